#include "vs/gateway/batch_anchorer.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "test_device.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_signer.h"

namespace vs::gateway {
namespace {

// A ledger that is down until told otherwise.
class DownLedger final : public Ledger {
 public:
  Result<proto::LedgerRef> anchor(const Digest&, std::uint64_t, std::uint64_t) override {
    return Error(ErrorCode::kUnavailable, "ledger is down");
  }
};

class BatchAnchorerTest : public ::testing::Test {
 protected:
  BatchAnchorerTest()
      : gateway_key_(platform::OpensslSigner::generate().value()),
        gateway_public_(
            platform::MbedtlsVerifierFactory().make_verifier(gateway_key_->public_key()).value()),
        signer_(sha_, *gateway_key_),
        ledger_(store_, kLedgerTable, sha_, *gateway_key_, "test/local") {}

  platform::MbedtlsSha256 sha_;
  vs::testing::MemoryStore store_{kGatewayTableNames.size()};
  std::unique_ptr<platform::OpensslSigner> gateway_key_;
  std::unique_ptr<platform::Verifier> gateway_public_;
  chain::ReceiptSigner signer_;
  LocalLedger ledger_;
};

TEST_F(BatchAnchorerTest, OneRootForManyDevicesAndAReceiptThatVerifiesForEachBlock) {
  std::vector<vs::testing::TestDevice> devices(3);
  std::vector<std::pair<vs::testing::TestDevice*, chain::SealedBlock>> blocks;
  BatchAnchorer anchorer(sha_, ledger_, signer_);
  for (auto& device : devices) {
    for (int i = 0; i < 4; ++i) {
      auto block = device.seal_next(2);
      anchorer.add({device.id(), block.header.height, block.hash});
      blocks.emplace_back(&device, std::move(block));
    }
  }
  auto issued = anchorer.anchor(7, 1'767'225'600'000ULL);
  ASSERT_TRUE(issued.ok()) << issued.error().message();
  ASSERT_EQ(issued->size(), 12u);
  EXPECT_EQ(ledger_.size().value(), 1u);  // one anchor for the whole batch
  EXPECT_EQ(anchorer.pending(), 0u);
  chain::ReceiptVerifier verifier(sha_, *gateway_public_, gateway_key_->public_key());
  for (std::size_t i = 0; i < issued->size(); ++i) {
    const auto& [device, block] = blocks[i];
    auto body =
        verifier.verify((*issued)[i].receipt, {device->id(), block.header.height, block.hash});
    ASSERT_TRUE(body.ok()) << body.error().message();
    EXPECT_EQ(body->batch_id, 7u);
    EXPECT_EQ(body->batch_size, 12u);
    EXPECT_EQ(body->ledger.kind, proto::LedgerKind::kLocal);
    EXPECT_EQ(body->ledger.ledger_height, 0u);
  }
}

TEST_F(BatchAnchorerTest, APendingReceiptVerifiesBeforeTheAnchor) {
  vs::testing::TestDevice device;
  auto block = device.seal_next(1);
  BatchAnchorer anchorer(sha_, ledger_, signer_);
  auto receipt = anchorer.pending_receipt({device.id(), 0, block.hash}, 1000);
  ASSERT_TRUE(receipt.ok());
  chain::ReceiptVerifier verifier(sha_, *gateway_public_, gateway_key_->public_key());
  auto body = verifier.verify(*receipt, {device.id(), 0, block.hash});
  ASSERT_TRUE(body.ok()) << body.error().message();
  EXPECT_EQ(body->state, proto::ReceiptState::kPending);
}

TEST_F(BatchAnchorerTest, ALedgerOutageDelaysReceiptsAndLosesNothing) {
  vs::testing::TestDevice device;
  DownLedger down;
  BatchAnchorer anchorer(sha_, down, signer_);
  auto block = device.seal_next(1);
  anchorer.add({device.id(), 0, block.hash});
  auto failed = anchorer.anchor(1, 1000);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(anchorer.pending(), 1u);
}

}  // namespace
}  // namespace vs::gateway
