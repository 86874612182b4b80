#include "vs/platform/result.h"

#include <gtest/gtest.h>

#include "vs/platform/assertion.h"

namespace vs {
namespace {

Result<int> parse_positive(int value) {
  if (value <= 0) return Error(ErrorCode::kInvalidArgument, "value must be positive", value);
  return value;
}

Result<int> doubled(int value) {
  VS_TRY_ASSIGN(int parsed, parse_positive(value));
  return parsed * 2;
}

Status checked(int value) {
  VS_TRY(parse_positive(value));
  return {};
}

TEST(Result, CarriesValueOrError) {
  auto good = doubled(21);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  auto bad = doubled(-3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().native_code(), -3);
  EXPECT_FALSE(checked(0).ok());
  EXPECT_TRUE(checked(1).ok());
}

TEST(Result, MessageNamesTheThingAndTheReason) {
  Error error(ErrorCode::kIntegrity, "signature does not verify", -0x4E00);
  error.about("entry 3").about("height 12");
  EXPECT_EQ(error.message(),
            "height 12: entry 3: signature does not verify [integrity, native -19968]");
  EXPECT_EQ(Error(ErrorCode::kMalformed, "truncated").message(), "truncated [malformed]");
}

TEST(AssertionDeathTest, ProgrammingErrorsStopTheProgram) {
  EXPECT_DEATH(VS_ASSERT(1 + 1 == 3), "assertion failed: 1 \\+ 1 == 3");
}

void note_and_continue(const char*, const char*, int) {
  std::fputs("custom handler ran\n", stderr);
}

TEST(AssertionDeathTest, InstalledHandlerRunsThenAborts) {
  EXPECT_DEATH(
      {
        set_assertion_handler(note_and_continue);
        VS_ASSERT(false);
      },
      "custom handler ran");
}

}  // namespace
}  // namespace vs
