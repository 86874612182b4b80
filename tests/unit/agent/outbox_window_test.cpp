#include "vs/agent/outbox_window.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace vs::agent {
namespace {

using std::chrono::milliseconds;
using TimePoint = OutboxWindow::TimePoint;

const auto kNoneAcknowledged = [](std::uint64_t) { return false; };

std::vector<std::uint64_t> drain(OutboxWindow& outbox, std::optional<std::uint64_t> tip,
                                 std::vector<bool>* resends = nullptr) {
  std::vector<std::uint64_t> out;
  while (auto pick = outbox.next(tip, kNoneAcknowledged)) {
    out.push_back(pick->height);
    if (resends != nullptr) resends->push_back(pick->resend);
  }
  return out;
}

TEST(OutboxWindow, NewBlocksGoInHeightOrderWithinTheWindow) {
  OutboxWindow outbox(3, 256, 0, TimePoint{});
  EXPECT_EQ(drain(outbox, std::nullopt), std::vector<std::uint64_t>{});  // nothing sealed
  EXPECT_EQ(drain(outbox, 9), (std::vector<std::uint64_t>{0, 1, 2}));    // the window is full
  outbox.finished(1, true);
  EXPECT_EQ(drain(outbox, 9), std::vector<std::uint64_t>{3});
  outbox.finished(0, false);  // failed: it goes out again, and what follows it
  outbox.finished(2, true);
  EXPECT_EQ(drain(outbox, 9), (std::vector<std::uint64_t>{0, 1}));
  EXPECT_FALSE(outbox.drained(9));
}

TEST(OutboxWindow, AcknowledgedBlocksAreSkippedAndARestartBeginsAgain) {
  OutboxWindow outbox(8, 256, 0, TimePoint{});
  std::set<std::uint64_t> acknowledged{1, 2};
  auto has = [&](std::uint64_t h) { return acknowledged.count(h) > 0; };
  std::vector<std::uint64_t> sent;
  while (auto pick = outbox.next(4, has)) sent.push_back(pick->height);
  EXPECT_EQ(sent, (std::vector<std::uint64_t>{0, 3, 4}));
  outbox.restart(3);  // reconnected: nothing in flight, from the oldest unretired
  EXPECT_EQ(drain(outbox, 4), (std::vector<std::uint64_t>{3, 4}));
  outbox.finished(3, true);
  outbox.finished(4, true);
  EXPECT_TRUE(outbox.drained(4));
}

TEST(OutboxWindow, ResendsAreQueuedOnceClampedAndTakeTurnsWithNewBlocks) {
  OutboxWindow outbox(16, 3, 0, TimePoint{});
  EXPECT_EQ(drain(outbox, 5).size(), 6u);
  for (std::uint64_t h = 0; h <= 5; ++h) outbox.finished(h, true);
  EXPECT_EQ(outbox.ask(0, 100, 1, 5), 3u);  // from the lowest stored, at most 3
  EXPECT_EQ(outbox.ask(1, 2, 1, 5), 0u);    // already waiting
  EXPECT_EQ(outbox.ask(9, 12, 1, 5), 0u);   // past the tip
  std::vector<bool> resends;
  auto order = drain(outbox, 7, &resends);  // 6 and 7 are new
  EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 6, 2, 7, 3}));
  EXPECT_EQ(resends, (std::vector<bool>{true, false, true, false, true}));
}

TEST(OutboxWindow, ABlockWithoutAReceiptIsChasedAfterTheTimeout) {
  TimePoint start{};
  OutboxWindow outbox(4, 256, 0, start);
  EXPECT_EQ(drain(outbox, 5).size(), 4u);  // 0..3 published
  for (std::uint64_t h = 0; h < 4; ++h) outbox.finished(h, true);
  auto anchored = [](std::uint64_t h) { return h == 1; };
  milliseconds timeout(1000);
  EXPECT_FALSE(outbox.chase(0, 5, true, start + milliseconds(999), timeout, anchored));
  EXPECT_FALSE(outbox.chase(0, 5, false, start + milliseconds(1000), timeout, anchored));
  ASSERT_TRUE(outbox.chase(0, 5, true, start + milliseconds(1000), timeout, anchored));
  EXPECT_EQ(outbox.resends_waiting(), 3u);  // 0, 2 and 3: 1 has its anchored receipt
  EXPECT_FALSE(outbox.chase(0, 5, true, start + milliseconds(1500), timeout, anchored));
  // The oldest moved: its clock starts again.
  EXPECT_FALSE(outbox.chase(2, 5, true, start + milliseconds(2600), timeout, anchored));
  EXPECT_FALSE(outbox.chase(2, 5, true, start + milliseconds(3500), timeout, anchored));
  EXPECT_TRUE(outbox.chase(2, 5, true, start + milliseconds(3600), timeout, anchored));
}

}  // namespace
}  // namespace vs::agent
