#include "vs/chain/device_id.h"

#include <gtest/gtest.h>

#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"

namespace vs::chain {
namespace {

TEST(DeviceId, IsThePrefixOfTheKeyHash) {
  platform::MbedtlsSha256 sha;
  auto signer = platform::MbedtlsSigner::generate().value();
  DeviceId id = DeviceId::from_public_key(sha, signer->public_key());
  EXPECT_EQ(id.hex(), to_hex(sha.digest(signer->public_key())).substr(0, 32));
  auto parsed = DeviceId::from_hex(id.hex());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, id);
}

TEST(DeviceId, BadTextIsMalformed) {
  EXPECT_EQ(DeviceId::from_hex("abcd").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(DeviceId::from_hex(std::string(32, 'x')).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(DeviceId::from_bytes(Bytes(15, 0)).error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace vs::chain
