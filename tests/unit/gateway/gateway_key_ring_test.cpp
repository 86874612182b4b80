#include "vs/gateway/gateway_key_ring.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

constexpr std::uint64_t kRotation = 1'796'000'000'000;  // 2026-11-30

class GatewayKeyRingTest : public ::testing::Test {
 protected:
  GatewayKeyRingTest() : store_(dir_.path()) {
    config_.key_dir = dir_.path();
    first_ = store_.create("gateway").value();
    second_ = store_.create("gateway-2").value();
  }

  chain::GatewayKeySet rotated() {
    auto keys = chain::GatewayKeySet::one(sha_, verifiers_, first_->public_key()).value();
    EXPECT_TRUE(
        keys.rotate_to(sha_, verifiers_, "gateway-2", second_->public_key(), kRotation).ok());
    return keys;
  }
  // A new file, seen as changed whatever the file system's time resolution.
  void write_file(const std::string& text) {
    std::filesystem::path temporary = config_.trusted_keys_path().string() + ".tmp";
    std::ofstream(temporary) << text << std::string(++writes_, '\n');
    std::filesystem::rename(temporary, config_.trusted_keys_path());
  }
  proto::ReceiptBody body_at(std::uint64_t time_ms) {
    proto::ReceiptBody body;
    body.version = 1;
    body.device_id = Bytes(16, 1);
    body.block_hash = Bytes(32, 2);
    body.state = proto::ReceiptState::kPending;
    body.issued_time_ms = time_ms;
    return body;
  }
  Bytes signer_of(chain::ReceiptSigner& signer, std::uint64_t time_ms) {
    return signer.sign(body_at(time_ms)).value().gateway_key_id;
  }
  static std::chrono::steady_clock::time_point second(int n) {
    return std::chrono::steady_clock::time_point(std::chrono::seconds(n));
  }
  Bytes id_of(const platform::Signer& key) {
    return chain::ReceiptVerifier::key_id(sha_, key.public_key());
  }

  vs::testing::TempDir dir_;
  platform::FileKeyStore store_;
  GatewayConfig config_;
  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory verifiers_;
  std::unique_ptr<platform::Signer> first_, second_;
  std::size_t writes_ = 0;
};

TEST_F(GatewayKeyRingTest, WithoutAFileTheConfiguredKeySignsAtAnyTime) {
  auto ring = GatewayKeyRing::open(config_, store_, sha_, verifiers_, kRotation).value();
  chain::ReceiptSigner signer(sha_, ring->default_key());
  ring->sign_with(signer);
  EXPECT_EQ(signer_of(signer, kRotation * 2), id_of(*first_));
  EXPECT_EQ(ring->trusted().keys().size(), 1u);
  EXPECT_EQ(ring->describe(kRotation), "key gateway at any time");
}

TEST_F(GatewayKeyRingTest, EachReceiptIsSignedByTheKeyValidAtItsTimeAndABadFileKeepsTheKeys) {
  write_file(rotated().text());
  auto ring = GatewayKeyRing::open(config_, store_, sha_, verifiers_, kRotation - 1).value();
  chain::ReceiptSigner signer(sha_, ring->default_key());
  ring->sign_with(signer);
  EXPECT_EQ(signer_of(signer, kRotation - 1), id_of(*first_));
  EXPECT_EQ(signer_of(signer, kRotation), id_of(*second_));
  chain::ReceiptVerifier own(sha_, ring->trusted());
  chain::ReceiptSigner old_only(sha_, *first_);
  EXPECT_TRUE(own.verify(old_only.sign(body_at(kRotation - 1)).value(),
                         {chain::DeviceId::from_bytes(Bytes(16, 1)).value(), 0,
                          to_array<32>(Bytes(32, 2), "").value()})
                  .ok());
  EXPECT_FALSE(ring->poll(second(1), kRotation));  // unchanged

  // A bad file: the keys before stay, signing goes on; at a start, it is named.
  write_file("gateway 2026-13-01T00:00:00Z - 00\n");
  EXPECT_FALSE(ring->poll(second(2), kRotation));
  EXPECT_EQ(ring->trusted().keys().size(), 2u);
  EXPECT_EQ(signer_of(signer, kRotation), id_of(*second_));
  auto refused = GatewayKeyRing::open(config_, store_, sha_, verifiers_, kRotation);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("trusted_gateway_keys: line 1:"), std::string::npos)
      << refused.error().message();
  // Polled again within a second, a replaced file waits; then it is read.
  write_file(rotated().text());
  EXPECT_FALSE(ring->poll(second(2), kRotation));
  EXPECT_TRUE(ring->poll(second(3), kRotation));

  // A file naming a key the store holds as another key: refused by name.
  auto other = platform::FileKeyStore((dir_.path() / "elsewhere")).create("gateway-2").value();
  auto forged = chain::GatewayKeySet::one(sha_, verifiers_, first_->public_key()).value();
  ASSERT_TRUE(forged.rotate_to(sha_, verifiers_, "gateway-2", other->public_key(), kRotation).ok());
  write_file(forged.text());
  EXPECT_FALSE(ring->poll(second(4), kRotation));
  EXPECT_EQ(GatewayKeyRing::open(config_, store_, sha_, verifiers_, kRotation).error().message(),
            config_.trusted_keys_path().string() +
                ": gateway key gateway-2: the key store's key of this name is another key "
                "[conflict]");

  // Keys of which none the store holds is valid now: refused at start.
  auto foreign = chain::GatewayKeySet::one(sha_, verifiers_, other->public_key(), "other").value();
  write_file(foreign.text());
  auto no_key = GatewayKeyRing::open(config_, store_, sha_, verifiers_, kRotation);
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vs::gateway
