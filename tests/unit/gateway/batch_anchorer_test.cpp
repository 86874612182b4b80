#include "vs/gateway/batch_anchorer.h"
#include "test_log_key.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include <map>
#include <thread>

#include "fakes/memory_store.h"
#include "test_device.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

// A ledger that is down until told otherwise.
class DownLedger final : public Ledger {
 public:
  Result<proto::LedgerRef> anchor(const Digest&, std::uint64_t, std::uint64_t,
                                  GatewayTransaction&) override {
    return Error(ErrorCode::kUnavailable, "ledger is down");
  }
};

// A chain-like ledger: anchors on the local log, but its anchors become
// final (or are lost) only when the test says so.
class ReorgingLedger final : public Ledger {
 public:
  explicit ReorgingLedger(Ledger& inner) : inner_(inner) {}
  Result<proto::LedgerRef> anchor(const Digest& root, std::uint64_t batch_id, std::uint64_t time_ms,
                                  GatewayTransaction& batch) override {
    return inner_.anchor(root, batch_id, time_ms, batch);
  }
  bool tracks_finality() const override { return true; }
  Result<FinalityCheck> check_finality(const proto::LedgerRef& ref, const Digest&,
                                       std::uint64_t) override {
    proto::LedgerRef now = ref;
    now.confirmations = 12;
    return FinalityCheck{next, now};
  }
  Finality next = Finality::kPending;

 private:
  Ledger& inner_;
};

// An outside ledger whose transactions the gateway signs: prepare() makes
// one per call (a nonce of its own), anchor_prepared() "sends" it; a chain
// takes the same transaction once, so distinct ones are what it would hold.
class SigningLedger final : public Ledger {
 public:
  Result<proto::LedgerRef> anchor(const Digest&, std::uint64_t, std::uint64_t,
                                  GatewayTransaction&) override {
    return Error(ErrorCode::kUnsupported, "only prepared transactions here");
  }
  Result<Bytes> prepare(const Digest& root, std::uint64_t batch_id) override {
    Bytes transaction(root.begin(), root.end());
    transaction.push_back(static_cast<std::uint8_t>(batch_id));
    transaction.push_back(static_cast<std::uint8_t>(++prepared));
    return transaction;
  }
  Result<proto::LedgerRef> anchor_prepared(ByteView transaction) override {
    on_chain.insert(Bytes(transaction.begin(), transaction.end()));
    if (after_send) after_send();
    proto::LedgerRef ref;
    ref.kind = proto::LedgerKind::kEvm;
    ref.chain_id = "eip155:31337";
    ref.transaction_id.assign(transaction.end() - 32, transaction.end());  // 32 bytes, as a hash
    return ref;
  }
  int prepared = 0;
  std::set<Bytes> on_chain;
  std::function<void()> after_send;
};

class BatchAnchorerTest : public ::testing::Test {
 protected:
  BatchAnchorerTest()
      : gateway_key_(platform::OpensslSigner::generate().value()),
        gateway_public_(
            platform::MbedtlsVerifierFactory().make_verifier(gateway_key_->public_key()).value()),
        signer_(sha_, *gateway_key_),
        ledger_(*state_, sha_, vs::testing::test_log_key("test/local")) {}

  platform::MbedtlsSha256 sha_;
  vs::testing::MemoryStore store_{kGatewayTableNames.size()};
  std::unique_ptr<GatewayState> state_ = make_key_value_gateway_state(store_);
  std::unique_ptr<platform::OpensslSigner> gateway_key_;
  std::unique_ptr<platform::Verifier> gateway_public_;
  chain::ReceiptSigner signer_;
  LocalLedger ledger_;
  platform::OpensslVerifierFactory verifiers_;
  platform::SystemClock clock_;
  BlockIngest ingest_{*state_, sha_, verifiers_, clock_};
  DeviceRegistry registry_{*state_, sha_, verifiers_};
};

// Blocks reach the queue the way the gateway accepts them: through BlockIngest.
TEST_F(BatchAnchorerTest, OneRootForManyDevicesAndAReceiptThatVerifiesForEachBlock) {
  std::vector<vs::testing::TestDevice> devices(3);
  std::map<std::pair<chain::DeviceId, std::uint64_t>, Digest> hashes;
  for (auto& device : devices) {
    ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
    for (int i = 0; i < 4; ++i) {
      auto block = device.seal_next(2);
      ASSERT_EQ(ingest_.ingest(device.id().hex(), block.encoded)->kind,
                IngestResult::Kind::kAccepted);
      hashes[{device.id(), block.header.height}] = block.hash;
    }
  }
  BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
  EXPECT_EQ(anchorer.queued().value(), 12u);
  EXPECT_EQ(anchorer.next_batch_id().value(), 1u);
  auto issued = anchorer.anchor(1'767'225'600'000ULL, 1000);
  ASSERT_TRUE(issued.ok()) << issued.error().message();
  ASSERT_EQ(issued->size(), 12u);
  EXPECT_EQ(ledger_.size().value(), 1u);  // one anchor for the whole batch
  EXPECT_EQ(anchorer.queued().value(), 0u);
  EXPECT_EQ(anchorer.next_batch_id().value(), 2u);
  chain::ReceiptVerifier verifier(sha_, *gateway_public_, gateway_key_->public_key());
  for (const IssuedReceipt& receipt : *issued) {
    Digest hash = hashes.at({receipt.item.device, receipt.item.height});
    auto body = verifier.verify(receipt.receipt, {receipt.item.device, receipt.item.height, hash});
    ASSERT_TRUE(body.ok()) << body.error().message();
    EXPECT_EQ(body->batch_id, 1u);
    EXPECT_EQ(body->batch_size, 12u);
    EXPECT_EQ(body->ledger.kind, proto::LedgerKind::kLocal);
    EXPECT_EQ(body->ledger.ledger_height, 0u);
    // Stored, so a duplicate or an auditor gets the same receipt again.
    EXPECT_EQ(anchorer.receipt(receipt.item.device, receipt.item.height).value(), receipt.receipt);
  }
  EXPECT_TRUE(anchorer.anchor(2000, 1000)->empty());  // each block is anchored once
}

TEST_F(BatchAnchorerTest, ABatchTakesAtMostItsLimitAndTheRestWaits) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(ingest_.ingest(device.id().hex(), device.seal_next(1).encoded).ok());
  BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
  EXPECT_EQ(anchorer.anchor(1000, 3)->size(), 3u);
  EXPECT_EQ(anchorer.queued().value(), 2u);
  auto rest = anchorer.anchor(2000, 3);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(rest->front().item.height, 3u);  // in height order
  EXPECT_EQ(ledger_.size().value(), 2u);
}

// First come, first anchored, whatever the device ids: a device whose id
// sorts last is not kept waiting while others keep the queue full.
TEST_F(BatchAnchorerTest, TheBlocksThatWaitedLongestAreAnchoredFirst) {
  vs::testing::TestDevice a, b;
  ASSERT_TRUE(registry_.enrol(a.public_key()).ok());
  ASSERT_TRUE(registry_.enrol(b.public_key()).ok());
  vs::testing::TestDevice& later_id = a.id() < b.id() ? b : a;
  vs::testing::TestDevice& earlier_id = a.id() < b.id() ? a : b;
  ASSERT_TRUE(ingest_.ingest(later_id.id().hex(), later_id.seal_next(1).encoded).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(ingest_.ingest(earlier_id.id().hex(), earlier_id.seal_next(1).encoded).ok());
  BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
  auto first = anchorer.anchor(1000, 1);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().item.device, later_id.id());
  auto rest = anchorer.anchor(2000, 10);
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ(rest->front().item.height, 0u);
}

TEST_F(BatchAnchorerTest, APendingReceiptVerifiesBeforeTheAnchor) {
  vs::testing::TestDevice device;
  auto block = device.seal_next(1);
  BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
  auto receipt = anchorer.pending_receipt({device.id(), 0, block.hash}, 1000);
  ASSERT_TRUE(receipt.ok());
  chain::ReceiptVerifier verifier(sha_, *gateway_public_, gateway_key_->public_key());
  auto body = verifier.verify(*receipt, {device.id(), 0, block.hash});
  ASSERT_TRUE(body.ok()) << body.error().message();
  EXPECT_EQ(body->state, proto::ReceiptState::kPending);
}

TEST_F(BatchAnchorerTest, ALedgerOutageDelaysReceiptsAndLosesNothing) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  ASSERT_TRUE(ingest_.ingest(device.id().hex(), device.seal_next(1).encoded).ok());
  DownLedger down;
  BatchAnchorer anchorer(*state_, sha_, down, signer_);
  auto failed = anchorer.anchor(1000, 100);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(anchorer.queued().value(), 1u);
  EXPECT_EQ(anchorer.next_batch_id().value(), 1u);
  BatchAnchorer recovered(*state_, sha_, ledger_, signer_);
  EXPECT_EQ(recovered.anchor(2000, 100)->size(), 1u);
}

// A store that refuses the commit holding the receipts: the ledger entry
// shares that transaction, so neither lands and the block stays queued.
TEST_F(BatchAnchorerTest, AFailedCommitLeavesNeitherLedgerEntryNorReceipt) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  ASSERT_TRUE(ingest_.ingest(device.id().hex(), device.seal_next(1).encoded).ok());
  store_.fail_next_commits(1);
  BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
  EXPECT_FALSE(anchorer.anchor(1000, 100).ok());
  EXPECT_EQ(ledger_.size().value(), 0u);
  EXPECT_EQ(anchorer.queued().value(), 1u);
  EXPECT_FALSE(anchorer.receipt(device.id(), 0).value().has_value());
  EXPECT_EQ(anchorer.anchor(2000, 100)->size(), 1u);
  EXPECT_EQ(ledger_.size().value(), 1u);
}

// Killed after its chain transaction went out but before its commit, the
// anchorer (or the gateway taking over) anchors the same blocks with the
// same transaction: the chain holds one per batch.
TEST_F(BatchAnchorerTest, ACrashAfterSendingSendsTheSameTransactionAgainNotANewOne) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  ASSERT_TRUE(ingest_.ingest(device.id().hex(), device.seal_next(1).encoded).ok());
  SigningLedger chain;
  chain.after_send = [&] { store_.fail_next_commits(1); };  // the commit after the send fails
  auto failed = BatchAnchorer(*state_, sha_, chain, signer_).anchor(1000, 100);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kIo) << failed.error().message();
  EXPECT_EQ(state_->queue_size().value(), 1u);
  ASSERT_TRUE(state_->anchor_intent().value().has_value());
  // A block arriving meanwhile waits for the next batch: the kept one is redone as it was.
  auto later = ingest_.ingest(device.id().hex(), device.seal_next(1).encoded);
  ASSERT_TRUE(later.ok()) << later.error().message();
  chain.after_send = nullptr;
  auto again = BatchAnchorer(*state_, sha_, chain, signer_).anchor(2000, 100);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->size(), 1u);
  EXPECT_EQ(chain.prepared, 1);
  EXPECT_EQ(chain.on_chain.size(), 1u);
  EXPECT_FALSE(state_->anchor_intent().value().has_value());
  EXPECT_EQ(state_->queue_size().value(), 1u);
  // The next batch gets a transaction of its own.
  EXPECT_EQ(BatchAnchorer(*state_, sha_, chain, signer_).anchor(3000, 100)->size(), 1u);
  EXPECT_EQ(chain.on_chain.size(), 2u);
  EXPECT_EQ(state_->next_batch_id().value(), 3u);
}

TEST_F(BatchAnchorerTest, AnchorsOnAChainAreFollowedUntilFinalAndReanchoredWhenLost) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  std::vector<chain::SealedBlock> blocks{device.seal_next(1), device.seal_next(1)};
  for (const auto& block : blocks)
    ASSERT_TRUE(ingest_.ingest(device.id().hex(), block.encoded).ok());
  ReorgingLedger chain(ledger_);
  BatchAnchorer anchorer(*state_, sha_, chain, signer_);
  ASSERT_EQ(anchorer.anchor(1000, 100)->size(), 2u);
  EXPECT_EQ(anchorer.unconfirmed_batches().value(), 1u);
  auto pending = anchorer.confirm(2000, 10);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->final_receipts.empty());
  EXPECT_EQ(anchorer.unconfirmed_batches().value(), 1u);

  // A reorg drops the transaction: the blocks go back to the queue.
  chain.next = Ledger::Finality::kLost;
  auto lost = anchorer.confirm(3000, 10);
  ASSERT_TRUE(lost.ok()) << lost.error().message();
  EXPECT_EQ(lost->batches_lost, 1u);
  EXPECT_EQ(anchorer.queued().value(), 2u);
  EXPECT_EQ(anchorer.unconfirmed_batches().value(), 0u);
  auto again = anchorer.anchor(4000, 100);
  ASSERT_EQ(again->size(), 2u);
  chain::ReceiptVerifier verifier(sha_, *gateway_public_, gateway_key_->public_key());
  EXPECT_EQ(verifier.verify(again->front().receipt, {device.id(), 0, blocks[0].hash})->batch_id,
            2u);

  // Deep enough: final receipts for every block, stored and returned.
  chain.next = Ledger::Finality::kFinal;
  auto final = anchorer.confirm(5000, 10);
  ASSERT_TRUE(final.ok()) << final.error().message();
  EXPECT_EQ(final->batches_final, 1u);
  ASSERT_EQ(final->final_receipts.size(), 2u);
  for (const IssuedReceipt& receipt : final->final_receipts) {
    auto body = verifier.verify(receipt.receipt,
                                {device.id(), receipt.item.height,
                                 blocks[static_cast<std::size_t>(receipt.item.height)].hash});
    ASSERT_TRUE(body.ok()) << body.error().message();
    EXPECT_EQ(body->state, proto::ReceiptState::kFinal);
    EXPECT_EQ(body->batch_id, 2u);
    EXPECT_EQ(body->ledger.confirmations, 12u);
    EXPECT_EQ(anchorer.receipt(device.id(), receipt.item.height).value(), receipt.receipt);
  }
  EXPECT_EQ(anchorer.unconfirmed_batches().value(), 0u);
  EXPECT_TRUE(anchorer.confirm(6000, 10)->final_receipts.empty());
}

TEST_F(BatchAnchorerTest, TheLocalLogNeedsNoFinalityTracking) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  ASSERT_TRUE(ingest_.ingest(device.id().hex(), device.seal_next(1).encoded).ok());
  BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
  ASSERT_EQ(anchorer.anchor(1000, 100)->size(), 1u);
  EXPECT_EQ(anchorer.unconfirmed_batches().value(), 0u);
}

}  // namespace
}  // namespace vs::gateway
