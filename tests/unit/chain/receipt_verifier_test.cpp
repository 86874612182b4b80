#include "vs/chain/receipt_verifier.h"

#include <gtest/gtest.h>

#include "test_device.h"
#include "vs/chain/merkle.h"
#include "vs/chain/receipt_signer.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_signer.h"

namespace vs::chain {
namespace {

// Issues receipts the way the gateway does: a batch of block hashes, its
// root, and a signed body per block.
class ReceiptVerifierTest : public ::testing::Test {
 protected:
  ReceiptVerifierTest()
      : gateway_(platform::OpensslSigner::generate().value()),
        gateway_key_(
            platform::MbedtlsVerifierFactory().make_verifier(gateway_->public_key()).value()) {
    for (int i = 0; i < 5; ++i) blocks_.push_back(device_.seal_next(2));
    Merkle merkle(device_.sha());
    for (const SealedBlock& block : blocks_) leaves_.push_back(merkle.leaf_hash(block.hash));
  }

  proto::ReceiptBody anchored_body(std::size_t index) {
    Merkle merkle(device_.sha());
    proto::ReceiptBody body;
    body.version = 1;
    body.device_id.assign(device_.id().bytes().begin(), device_.id().bytes().end());
    body.block_height = index;
    body.block_hash.assign(blocks_[index].hash.begin(), blocks_[index].hash.end());
    body.state = proto::ReceiptState::kAnchored;
    body.batch_id = 7;
    Digest root = merkle.root(leaves_);
    body.batch_root.assign(root.begin(), root.end());
    body.batch_size = leaves_.size();
    body.leaf_index = index;
    std::vector<Digest> path = merkle.inclusion_proof(leaves_, index).value();
    for (const Digest& node : path) {
      body.inclusion_path.emplace_back(node.begin(), node.end());
    }
    body.ledger.kind = proto::LedgerKind::kLocal;
    body.ledger.chain_id = "local";
    body.ledger.ledger_height = 7;
    return body;
  }

  proto::Receipt sign(const proto::ReceiptBody& body) {
    return ReceiptSigner(device_.sha(), *gateway_).sign(body).value();
  }

  ReceiptSubject subject(std::size_t index) {
    return ReceiptSubject{device_.id(), index, blocks_[index].hash};
  }

  ReceiptVerifier verifier() {
    return ReceiptVerifier(device_.sha(), *gateway_key_, gateway_->public_key());
  }

  vs::testing::TestDevice device_;
  std::unique_ptr<platform::OpensslSigner> gateway_;
  std::unique_ptr<platform::Verifier> gateway_key_;
  std::vector<SealedBlock> blocks_;
  std::vector<Digest> leaves_;
};

TEST_F(ReceiptVerifierTest, AnchoredReceiptVerifiesForEveryBlock) {
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    proto::Receipt receipt = sign(anchored_body(i));
    auto body = verifier().verify(proto::WireCodec::encode(receipt).value(), subject(i));
    ASSERT_TRUE(body.ok()) << body.error().message();
    EXPECT_EQ(body->state, proto::ReceiptState::kAnchored);
  }
}

TEST_F(ReceiptVerifierTest, PendingReceiptNeedsNoBatch) {
  proto::ReceiptBody body = anchored_body(1);
  body.state = proto::ReceiptState::kPending;
  body.batch_root.clear();
  body.inclusion_path.clear();
  body.ledger = {};
  EXPECT_TRUE(verifier().verify(sign(body), subject(1)).ok());
}

TEST_F(ReceiptVerifierTest, ForgedOrTamperedReceiptsAreRejected) {
  proto::Receipt good = sign(anchored_body(2));

  proto::Receipt flipped_body = good;
  flipped_body.body[5] ^= 0x01;
  EXPECT_STREQ(verifier().verify(flipped_body, subject(2)).error().reason(),
               "receipt signature does not verify with the gateway key");

  auto impostor = platform::OpensslSigner::generate().value();
  proto::Receipt forged = good;
  auto signature = impostor->sign(device_.sha().digest(forged.body)).value();
  forged.signature.assign(signature.begin(), signature.end());
  EXPECT_STREQ(verifier().verify(forged, subject(2)).error().reason(),
               "receipt signature does not verify with the gateway key");

  proto::Receipt other_key_id = good;
  other_key_id.gateway_key_id[0] ^= 0x01;
  EXPECT_STREQ(verifier().verify(other_key_id, subject(2)).error().reason(),
               "receipt names a gateway key other than the trusted ones");

  EXPECT_STREQ(verifier().verify(good, subject(3)).error().reason(),
               "receipt is for another height");

  ReceiptSubject other_block = subject(2);
  other_block.block_hash[0] ^= 0x01;
  EXPECT_STREQ(verifier().verify(good, other_block).error().reason(),
               "receipt is for another block at this height");
}

TEST_F(ReceiptVerifierTest, BadInclusionPathIsRejectedEvenWhenSigned) {
  proto::ReceiptBody body = anchored_body(2);
  body.inclusion_path[0][0] ^= 0x01;
  auto result = verifier().verify(sign(body), subject(2));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            "receipt batch path: inclusion proof does not lead to the root [integrity]");
  proto::ReceiptBody wrong_index = anchored_body(2);
  wrong_index.leaf_index = 3;
  EXPECT_FALSE(verifier().verify(sign(wrong_index), subject(2)).ok());
}

// A gateway that rotated: the old key's receipts verify when issued inside
// its window, the new key's inside its own; the signer picks by time.
TEST_F(ReceiptVerifierTest, AcrossAGatewayKeyRotationEachReceiptVerifiesByTheKeyValidAtItsTime) {
  platform::MbedtlsVerifierFactory verifiers;
  auto next = platform::OpensslSigner::generate().value();
  constexpr std::uint64_t kRotation = 1'764'741'600'000;  // 2025-12-03T06:00:00Z
  GatewayKeySet trusted =
      GatewayKeySet::one(device_.sha(), verifiers, gateway_->public_key(), "gateway").value();
  ASSERT_TRUE(
      trusted.rotate_to(device_.sha(), verifiers, "gateway-2", next->public_key(), kRotation).ok());
  ReceiptSigner signer(device_.sha(), *gateway_);
  signer.use_keys(trusted, {{"gateway", gateway_.get()}, {"gateway-2", next.get()}});
  ReceiptVerifier rotated(device_.sha(), trusted);

  proto::ReceiptBody before = anchored_body(1);
  before.issued_time_ms = kRotation - 1;
  proto::Receipt old_key = signer.sign(before).value();
  EXPECT_EQ(old_key.gateway_key_id, ReceiptVerifier::key_id(device_.sha(), gateway_->public_key()));
  EXPECT_TRUE(rotated.verify(old_key, subject(1)).ok());
  proto::ReceiptBody after = anchored_body(1);
  after.issued_time_ms = kRotation;
  proto::Receipt new_key = signer.sign(after).value();
  EXPECT_EQ(new_key.gateway_key_id, ReceiptVerifier::key_id(device_.sha(), next->public_key()));
  EXPECT_TRUE(rotated.verify(new_key, subject(1)).ok());

  // The retired key signing after its window, the new one before its own.
  ReceiptSigner old_only(device_.sha(), *gateway_);
  auto late = rotated.verify(old_only.sign(after).value(), subject(1));
  ASSERT_FALSE(late.ok());
  EXPECT_STREQ(late.error().reason(),
               "receipt was issued outside its gateway key's validity window");
  EXPECT_NE(late.error().message().find("gateway (from 1970-01-01T00:00:00Z, until "
                                        "2025-12-03T06:00:00Z)"),
            std::string::npos)
      << late.error().message();
  ReceiptSigner new_only(device_.sha(), *next);
  EXPECT_FALSE(rotated.verify(new_only.sign(before).value(), subject(1)).ok());
  // A device that knows only the old key refuses the new key's receipts.
  EXPECT_STREQ(verifier().verify(new_key, subject(1)).error().reason(),
               "receipt names a gateway key other than the trusted ones");

  // Resend requests too, by their time.
  proto::ResendRequest request;
  request.version = 1;
  request.device_id.assign(device_.id().bytes().begin(), device_.id().bytes().end());
  request.time_ms = kRotation + 5;
  EXPECT_TRUE(rotated.verify_resend(signer.sign_encoded(request).value(), device_.id()).ok());
  EXPECT_STREQ(
      rotated.verify_resend(old_only.sign_encoded(request).value(), device_.id()).error().reason(),
      "resend request was signed outside its gateway key's validity window");

  // A signer none of whose keys is valid then signs nothing.
  ReceiptSigner retired(device_.sha(), *gateway_);
  retired.use_keys(trusted, {{"gateway", gateway_.get()}});
  EXPECT_EQ(retired.sign(after).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ReceiptVerifierTest, GarbageIsMalformed) {
  Bytes garbage{0x0a, 0xff, 0x7f};
  EXPECT_EQ(verifier().verify(garbage, subject(0)).error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace vs::chain
