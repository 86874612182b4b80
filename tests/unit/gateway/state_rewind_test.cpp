// A gateway restored from an older copy of its state: StateRewind, then the
// device sends the missing blocks again with the receipts it holds, and the
// audit of the whole state (GatewayStateAudit).
#include "vs/gateway/state_rewind.h"
#include "test_log_key.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "test_device.h"
#include "vs/gateway/access_log.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/gateway_state_audit.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

using IngestKind = IngestResult::Kind;

// A ledger outside the gateway (a chain): what it took survives the
// gateway's store. Every anchor is kept, to count them.
class OutsideLedger final : public Ledger {
 public:
  Result<proto::LedgerRef> anchor(const Digest& root, std::uint64_t batch_id, std::uint64_t,
                                  GatewayTransaction&) override {
    anchored.emplace_back(batch_id, root);
    proto::LedgerRef ref;
    ref.kind = proto::LedgerKind::kEvm;
    ref.chain_id = "eip155:31337";
    ref.transaction_id.assign(32, static_cast<std::uint8_t>(anchored.size()));
    ref.ledger_height = anchored.size();
    return ref;
  }
  std::vector<std::pair<std::uint64_t, Digest>> anchored;
};

// One gateway on one store: what a process has. Without an outside
// ledger, it anchors on its own log (the local ledger).
struct GatewayOnStore {
  GatewayOnStore(platform::Store& store, platform::Signer& key, const platform::Sha256& sha,
                 const platform::VerifierFactory& keys, const platform::Clock& clock,
                 Ledger* outside = nullptr)
      : state(make_key_value_gateway_state(store)),
        own_key(keys.make_verifier(key.public_key()).value()),
        own_receipts(sha, *own_key, key.public_key()),
        ingest(*state, sha, keys, clock, &own_receipts),
        ledger(*state, sha, vs::testing::test_log_key("test/local")),
        signer(sha, key),
        anchorer(*state, sha, outside != nullptr ? *outside : ledger, signer) {}

  std::unique_ptr<GatewayState> state;
  std::unique_ptr<platform::Verifier> own_key;
  chain::ReceiptVerifier own_receipts;
  BlockIngest ingest;
  LocalLedger ledger;
  chain::ReceiptSigner signer;
  BatchAnchorer anchorer;
};

// What a backup is: every record of every table, as of now.
std::unique_ptr<vs::testing::MemoryStore> copy_of(const platform::Store& store) {
  auto copy = std::make_unique<vs::testing::MemoryStore>(kGatewayTableNames.size());
  platform::WriteBatch batch;
  for (platform::TableId table = 0; table < kGatewayTableNames.size(); ++table) {
    Status read = platform::for_each_record(store, table, {}, [&](const platform::Record& record) {
      batch.put(table, record.key, record.value);
      return Result<bool>(true);
    });
    EXPECT_TRUE(read.ok());
  }
  EXPECT_TRUE(copy->commit(batch).ok());
  return copy;
}

class StateRewindTest : public ::testing::Test {
 protected:
  IngestResult ingest(GatewayOnStore& gateway, const Bytes& block, ByteView receipt = {}) {
    BlockIngest::BlockMessage message{device_hex_, block, receipt};
    auto results = gateway.ingest.ingest_all(std::span(&message, 1));
    EXPECT_TRUE(results.ok()) << results.error().message();
    return std::move(results->front());
  }
  std::map<std::uint64_t, Bytes> anchor(GatewayOnStore& gateway, std::uint64_t time_ms) {
    auto issued = gateway.anchorer.anchor(time_ms, 1000);
    EXPECT_TRUE(issued.ok()) << issued.error().message();
    std::map<std::uint64_t, Bytes> by_height;
    for (const IssuedReceipt& receipt : *issued) by_height[receipt.item.height] = receipt.receipt;
    return by_height;
  }
  // A gateway on a store of its own, the device enrolled.
  struct Enrolled {
    vs::testing::MemoryStore store{kGatewayTableNames.size()};
    std::unique_ptr<GatewayOnStore> gateway;
  };
  std::unique_ptr<Enrolled> enrolled(platform::Signer& key, Ledger* outside = nullptr) {
    auto made = std::make_unique<Enrolled>();
    made->gateway =
        std::make_unique<GatewayOnStore>(made->store, key, sha_, keys_, clock_, outside);
    EXPECT_TRUE(
        DeviceRegistry(*made->gateway->state, sha_, keys_).enrol(device_.public_key()).ok());
    return made;
  }
  GatewayStateAudit audit(GatewayOnStore& gateway) {
    auto trusted = chain::GatewayKeySet::one(sha_, keys_, gateway_key_->public_key()).value();
    return GatewayStateAudit::run(*gateway.state, sha_, keys_, trusted).value();
  }

  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory keys_;
  platform::SystemClock clock_;
  std::unique_ptr<platform::Signer> gateway_key_ = platform::OpensslSigner::generate().value();
  vs::testing::TestDevice device_;
  std::string device_hex_ = device_.id().hex();
};

TEST_F(StateRewindTest, ARestoredCopyTakesBackWhatTheDeviceHoldsAndAnchorsNothingTwice) {
  OutsideLedger chain;
  auto old_store = enrolled(*gateway_key_, &chain);
  GatewayOnStore& before = *old_store->gateway;
  std::vector<chain::SealedBlock> blocks;
  for (int i = 0; i < 7; ++i) blocks.push_back(device_.seal_next(2));
  ASSERT_EQ(ingest(before, blocks[0].encoded).kind, IngestKind::kAccepted);
  ASSERT_EQ(ingest(before, blocks[1].encoded).kind, IngestKind::kAccepted);
  auto first_batch = anchor(before, 1000);  // batch 1: heights 0, 1
  ASSERT_EQ(ingest(before, blocks[2].encoded).kind, IngestKind::kAccepted);  // queued at the copy
  auto backup = copy_of(old_store->store);
  ASSERT_EQ(ingest(before, blocks[3].encoded).kind, IngestKind::kAccepted);
  auto second_batch = anchor(before, 2000);  // batch 2: heights 2, 3, lost with the old store
  ASSERT_EQ(second_batch.size(), 2u);
  ASSERT_EQ(ingest(before, blocks[4].encoded).kind, IngestKind::kAccepted);  // never anchored
  ASSERT_EQ(chain.anchored.size(), 2u);

  // The restore: the copy, rewound, batch ids past the two the chain took.
  GatewayOnStore after(*backup, *gateway_key_, sha_, keys_, clock_, &chain);
  GatewayStateAudit audited = audit(after);
  ASSERT_FALSE(audited.failure) << audited.failure->message();
  EXPECT_EQ(audited.blocks, 3u);
  EXPECT_EQ(audited.receipts, 2u);  // heights 0 and 1
  EXPECT_EQ(audited.queued, 1u);
  auto rewind = StateRewind::run(*after.state, sha_, AccessLog::log_device(), 3).value();
  EXPECT_EQ(rewind.devices, 1u);
  EXPECT_EQ(rewind.blocks_forgotten, 1u);  // height 2, queued at the copy
  EXPECT_EQ(rewind.queue_emptied, 1u);
  EXPECT_EQ(rewind.next_batch_id_before, 2u);
  EXPECT_EQ(rewind.next_batch_id, 3u);
  EXPECT_EQ(after.ingest.tip(device_.id()).value()->height, 1u);
  EXPECT_FALSE(after.state->receipt(device_.id(), 2).value().has_value());

  // The device carries on: its next block shows the gap, it sends the
  // missing ones again, with the receipts it holds.
  IngestResult held = ingest(after, blocks[5].encoded);
  ASSERT_EQ(held.kind, IngestKind::kHeld);
  EXPECT_EQ(held.resend->first, 2u);
  EXPECT_EQ(held.resend->second, 4u);
  IngestResult late = ingest(after, blocks[3].encoded, second_batch.at(3));  // out of order
  ASSERT_EQ(late.kind, IngestKind::kHeld);
  EXPECT_TRUE(late.receipt_refused.empty()) << late.receipt_refused;
  ASSERT_EQ(ingest(after, blocks[4].encoded).kind,
            IngestKind::kHeld);  // no receipt: never anchored
  IngestResult filled = ingest(after, blocks[2].encoded, second_batch.at(2));
  ASSERT_EQ(filled.kind, IngestKind::kAccepted);
  EXPECT_EQ(filled.accepted.size(), 4u);  // 2, then the held 3, 4 and 5
  EXPECT_EQ(filled.kept_anchored, 2u);    // 2 and 3
  EXPECT_EQ(after.anchorer.queued().value(), 2u);
  EXPECT_EQ(after.state->receipt(device_.id(), 2).value(), second_batch.at(2));
  EXPECT_EQ(after.state->receipt(device_.id(), 3).value(), second_batch.at(3));

  auto third_batch = anchor(after, 3000);
  ASSERT_EQ(third_batch.size(), 2u);  // only 4 and 5: 2 and 3 are not anchored twice
  ASSERT_EQ(chain.anchored.size(), 3u);
  EXPECT_EQ(chain.anchored[2].first, 3u);  // no batch id twice on the chain
  EXPECT_TRUE(third_batch.count(4) && third_batch.count(5));
  auto body = proto::WireCodec::decode_receipt_body(
      proto::WireCodec::decode_receipt(third_batch.at(4)).value().body);
  EXPECT_EQ(body.value().batch_id, 3u);  // past every id the old store issued
  ASSERT_EQ(ingest(after, blocks[6].encoded).kind, IngestKind::kAccepted);
  audited = audit(after);
  ASSERT_FALSE(audited.failure) << audited.failure->message();
  EXPECT_EQ(audited.blocks, 7u);
}

// The local ledger is the gateway's own log: a copy older than it lost the
// entries of later batches, so their receipts prove nothing to this
// gateway any more. They are refused and their blocks anchored again on
// the log as it now is (vitalsign restore refuses such a copy when the
// last published checkpoint shows the log was longer).
TEST_F(StateRewindTest, OnTheLocalLedgerAReceiptOfALostLogEntryIsNotTaken) {
  auto old_store = enrolled(*gateway_key_);
  GatewayOnStore& before = *old_store->gateway;
  auto b0 = device_.seal_next(1);
  auto b1 = device_.seal_next(1);
  ASSERT_EQ(ingest(before, b0.encoded).kind, IngestKind::kAccepted);
  anchor(before, 1000);
  auto backup = copy_of(old_store->store);
  ASSERT_EQ(ingest(before, b1.encoded).kind, IngestKind::kAccepted);
  auto lost = anchor(before, 2000);  // log entry 1, lost with the old store

  GatewayOnStore after(*backup, *gateway_key_, sha_, keys_, clock_);
  IngestResult taken = ingest(after, b1.encoded, lost.at(1));
  ASSERT_EQ(taken.kind, IngestKind::kAccepted);
  EXPECT_EQ(taken.kept_anchored, 0u);
  EXPECT_NE(taken.receipt_refused.find("ledger entry 1"), std::string::npos)
      << taken.receipt_refused;
  EXPECT_EQ(anchor(after, 3000).size(), 1u);
  GatewayStateAudit audited = audit(after);
  EXPECT_FALSE(audited.failure) << audited.failure->message();
}

TEST_F(StateRewindTest, AReceiptThatIsNotThisGatewaysForThatBlockIsNotTaken) {
  auto ours = enrolled(*gateway_key_);
  auto b0 = device_.seal_next(1);
  auto b1 = device_.seal_next(1);
  ASSERT_EQ(ingest(*ours->gateway, b0.encoded).kind, IngestKind::kAccepted);
  auto receipts = anchor(*ours->gateway, 1000);
  // Height 0's receipt sent with height 1: refused, the block is queued.
  IngestResult wrong = ingest(*ours->gateway, b1.encoded, receipts.at(0));
  ASSERT_EQ(wrong.kind, IngestKind::kAccepted);
  EXPECT_EQ(wrong.kept_anchored, 0u);
  EXPECT_NE(wrong.receipt_refused.find("height"), std::string::npos) << wrong.receipt_refused;
  EXPECT_EQ(ours->gateway->anchorer.queued().value(), 1u);

  // Another gateway's receipt, and a pending one of ours (the block was
  // never anchored), sent with block 0 to a new gateway: refused.
  auto other_key = platform::OpensslSigner::generate().value();
  auto other = enrolled(*other_key);
  ASSERT_EQ(ingest(*other->gateway, b0.encoded).kind, IngestKind::kAccepted);
  Bytes foreign = anchor(*other->gateway, 1000).at(0);
  Bytes pending = ours->gateway->anchorer.pending_receipt({device_.id(), 0, b0.hash}, 500).value();
  for (const auto& [receipt, reason] : {std::pair{foreign, "key"}, std::pair{pending, "pending"}}) {
    auto fresh = enrolled(*gateway_key_);
    IngestResult taken = ingest(*fresh->gateway, b0.encoded, receipt);
    ASSERT_EQ(taken.kind, IngestKind::kAccepted);
    EXPECT_EQ(taken.kept_anchored, 0u);
    EXPECT_NE(taken.receipt_refused.find(reason), std::string::npos) << taken.receipt_refused;
    EXPECT_EQ(fresh->gateway->anchorer.queued().value(), 1u);
  }
}

TEST_F(StateRewindTest, TheAuditNamesTheFirstThingThatDoesNotVerify) {
  auto live = enrolled(*gateway_key_);
  GatewayOnStore& gateway = *live->gateway;
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(ingest(gateway, device_.seal_next(1).encoded).kind, IngestKind::kAccepted);
  anchor(gateway, 1000);
  ASSERT_FALSE(audit(gateway).failure);

  auto tampered = [&](platform::TableId table, Bytes key, auto change) {
    auto copy = copy_of(live->store);
    Bytes value = copy->get(table, key).value().value();
    change(value);
    platform::WriteBatch batch;
    batch.put(table, key, value);
    EXPECT_TRUE(copy->commit(batch).ok());
    GatewayOnStore restored(*copy, *gateway_key_, sha_, keys_, clock_);
    auto failure = audit(restored).failure;
    return failure ? failure->message() : std::string("no failure");
  };
  std::string receipt = tampered(kReceiptsTable, height_key(device_.id(), 1),
                                 [](Bytes& value) { value[value.size() - 1] ^= 1; });
  EXPECT_NE(receipt.find("height 1"), std::string::npos) << receipt;
  EXPECT_NE(receipt.find("receipt"), std::string::npos) << receipt;
  std::string block = tampered(kBlocksTable, height_key(device_.id(), 2),
                               [](Bytes& value) { value[value.size() / 2] ^= 1; });
  EXPECT_NE(block.find("height 2"), std::string::npos) << block;
  std::string log_entry =
      tampered(kLedgerTable, platform::u64_key(0), [](Bytes& value) { value[30] ^= 1; });
  // The only entry: nothing after it names its hash, but the receipts do not
  // prove to it any more.
  EXPECT_NE(log_entry.find("ledger entry 0"), std::string::npos) << log_entry;
}

}  // namespace
}  // namespace vs::gateway
