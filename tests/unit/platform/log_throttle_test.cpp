#include "vs/platform/log_throttle.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vs::platform {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, LogsTheFirstLinesOfEachKindPerWindowThenSaysHowManyWereHeldBack) {
  ::testing::internal::CaptureStderr();
  LogThrottle throttle(2, 10s);
  std::chrono::steady_clock::time_point start{1h};
  for (int i = 0; i < 1000; ++i)
    throttle.log(LogLevel::kWarning, "unknown_device", "flood " + std::to_string(i), start);
  throttle.log(LogLevel::kWarning, "bad_signature", "other kind", start);
  throttle.log(LogLevel::kWarning, "unknown_device", "later", start + 10s);
  std::string text = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(text.find("flood 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("flood 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("flood 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("other kind\n"), std::string::npos) << text;  // its own allowance
  EXPECT_NE(text.find("unknown_device: 998 more like it were not logged"), std::string::npos)
      << text;
  EXPECT_NE(text.find("later\n"), std::string::npos) << text;
  EXPECT_LT(text.size(), 1000u);
}

}  // namespace
}  // namespace vs::platform
