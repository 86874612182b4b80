#include "vs/agent/resend_guard.h"

#include <gtest/gtest.h>

namespace vs::agent {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kNow = 1'767'225'600'000ULL;

proto::ResendRequest request_at(std::uint64_t time_ms, std::uint8_t nonce) {
  proto::ResendRequest request;
  request.version = 1;
  request.time_ms = time_ms;
  request.nonce = Bytes(16, nonce);
  return request;
}

TEST(ResendGuard, TakesAFreshRequestOnceAndRefusesItsReplay) {
  ResendGuard guard(60'000ms, 16);
  EXPECT_TRUE(guard.admit(request_at(kNow, 1), kNow).ok());
  EXPECT_EQ(guard.admit(request_at(kNow, 1), kNow + 10).error().code(), ErrorCode::kConflict);
  EXPECT_TRUE(guard.admit(request_at(kNow, 2), kNow + 10).ok());
}

TEST(ResendGuard, RefusesStaleFutureAndNonceLessRequests) {
  ResendGuard guard(60'000ms, 16);
  EXPECT_EQ(guard.admit(request_at(kNow - 60'001, 1), kNow).error().code(), ErrorCode::kIntegrity);
  EXPECT_EQ(guard.admit(request_at(kNow + 60'001, 2), kNow).error().code(), ErrorCode::kIntegrity);
  EXPECT_TRUE(guard.admit(request_at(kNow - 60'000, 3), kNow).ok());  // the edge is inside
  auto no_nonce = request_at(kNow, 4);
  no_nonce.nonce.clear();
  EXPECT_EQ(guard.admit(no_nonce, kNow).error().code(), ErrorCode::kMalformed);
}

TEST(ResendGuard, ForgetsWhatCanNoLongerPassAndStaysBounded) {
  ResendGuard guard(60'000ms, 3);
  for (std::uint8_t nonce = 1; nonce <= 3; ++nonce)
    ASSERT_TRUE(guard.admit(request_at(kNow, nonce), kNow).ok());
  EXPECT_EQ(guard.admit(request_at(kNow, 4), kNow).error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(guard.remembered(), 3u);
  // A minute on, the first three are too old to replay, so they are forgotten.
  EXPECT_TRUE(guard.admit(request_at(kNow + 60'001, 4), kNow + 60'001).ok());
  EXPECT_EQ(guard.remembered(), 1u);
  EXPECT_EQ(guard.admit(request_at(kNow, 1), kNow + 60'001).error().code(), ErrorCode::kIntegrity);
}

}  // namespace
}  // namespace vs::agent
