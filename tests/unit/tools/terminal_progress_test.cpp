// The progress line long verbs draw on a terminal.
#include "terminal_progress.h"

#include <gtest/gtest.h>

namespace vs::tools {
namespace {

using std::chrono::duration;

TEST(TerminalProgress, ALineSaysTheCountTheShareTheRateAndTheTimeLeft) {
  EXPECT_EQ(TerminalProgress::line("verifying blocks", 1200, 5000, duration<double>(2.0)),
            "verifying blocks: 1200 / 5000 (24%), 600/s, 6 s left");
  // Minutes once it is long; nothing left to say at the end.
  EXPECT_EQ(TerminalProgress::line("verifying blocks", 100, 100000, duration<double>(1.0)),
            "verifying blocks: 100 / 100000 (0%), 100/s, 17 min left");
  EXPECT_EQ(TerminalProgress::line("verifying blocks", 5000, 5000, duration<double>(4.0)),
            "verifying blocks: 5000 / 5000 (100%), 1250/s");
}

TEST(TerminalProgress, WithoutATotalOrBeforeAnythingIsDoneItSaysOnlyWhatItKnows) {
  EXPECT_EQ(TerminalProgress::line("reading blocks", 512, std::nullopt, duration<double>(2.0)),
            "reading blocks: 512, 256/s");
  EXPECT_EQ(TerminalProgress::line("reading blocks", 0, 10, duration<double>(0.0)),
            "reading blocks: 0 / 10 (0%)");
  EXPECT_EQ(TerminalProgress::line("reading blocks", 0, 0, duration<double>(1.0)),
            "reading blocks: 0 / 0");
}

}  // namespace
}  // namespace vs::tools
