#include "vs/platform/bytes.h"

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(Bytes, HexRoundTrip) {
  Bytes data{0x00, 0x7f, 0x80, 0xff, 0x12};
  EXPECT_EQ(to_hex(data), "007f80ff12");
  auto back = from_hex("007F80ff12");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
}

TEST(Bytes, BadHexIsMalformed) {
  EXPECT_EQ(from_hex("abc").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(from_hex("zz").error().code(), ErrorCode::kMalformed);
  EXPECT_STREQ(from_hex("0g").error().reason(), "hex text has a non-hex character");
}

TEST(Bytes, Base64RoundTripAndStrictness) {
  // RFC 4648 section 10 test vectors.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(to_base64(as_bytes(plain)), encoded);
    auto back = from_base64(encoded);
    ASSERT_TRUE(back.ok()) << encoded;
    EXPECT_EQ(std::string(back->begin(), back->end()), plain);
  }
  EXPECT_FALSE(from_base64("Zg=").ok());
  EXPECT_FALSE(from_base64("Zh==").ok());  // stray bits
  EXPECT_FALSE(from_base64("Z=g=").ok());
  EXPECT_FALSE(from_base64("Zm9v!A==").ok());
}

TEST(Bytes, BigEndianU64) {
  std::uint8_t buffer[8];
  put_u64_be(0x0102030405060708ULL, buffer);
  EXPECT_EQ(buffer[0], 0x01);
  EXPECT_EQ(buffer[7], 0x08);
  EXPECT_EQ(get_u64_be(buffer), 0x0102030405060708ULL);
}

TEST(Bytes, ToArrayChecksSize) {
  Bytes three{1, 2, 3};
  EXPECT_TRUE((to_array<3>(three, "x").ok()));
  EXPECT_FALSE((to_array<4>(three, "x").ok()));
}

}  // namespace
}  // namespace vs
