#include "vs/gateway/reading_export.h"
#include "test_log_key.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "test_device.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

proto::Entry event_entry(std::uint64_t seq, proto::EventKind kind, const std::string& name) {
  proto::Entry entry = vs::testing::heart_rate_entry(seq);
  proto::Event event;
  event.kind = kind;
  if (kind == proto::EventKind::kEnrolment) {
    event.subject = name;
  } else {
    event.recipient = name;
  }
  entry.body = event;
  return entry;
}

// seq 0 enrolment (p-1), 1 reading, 2 consent for clinic-a, 3 reading,
// 4 consent revoked, 5 reading: blocks 0 and 1, anchored; seq 6 in block 2,
// accepted and not anchored.
class ReadingExportTest : public ::testing::Test {
 protected:
  ReadingExportTest() : gateway_key_(platform::OpensslSigner::generate().value()) {
    using K = proto::EventKind;
    DeviceRegistry(*state_, sha_, verifiers_).enrol(device_.public_key()).value();
    BlockIngest ingest(*state_, sha_, verifiers_, clock_);
    auto send = [&](const std::vector<proto::Entry>& entries) {
      EXPECT_TRUE(ingest.ingest(device_.id().hex(), device_.seal_entries(entries).encoded).ok());
    };
    send({event_entry(0, K::kEnrolment, "p-1"), vs::testing::heart_rate_entry(1, 70),
          event_entry(2, K::kConsentGranted, "clinic-a")});
    send({vs::testing::heart_rate_entry(3, 71), event_entry(4, K::kConsentRevoked, "clinic-a"),
          vs::testing::heart_rate_entry(5, 72)});
    LocalLedger ledger(*state_, sha_, vs::testing::test_log_key("test/export"));
    chain::ReceiptSigner signer(sha_, *gateway_key_);
    EXPECT_EQ(BatchAnchorer(*state_, sha_, ledger, signer).anchor(1000, 100)->size(), 2u);
    send({vs::testing::heart_rate_entry(6, 73)});
  }

  ReadingSelection select(const ReadingFilter& filter) {
    auto selected = ReadingExport(*state_, sha_, verifiers_).select(device_.id(), filter);
    EXPECT_TRUE(selected.ok()) << selected.error().message();
    return selected.ok() ? std::move(selected).value() : ReadingSelection{};
  }

  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory verifiers_;
  platform::SystemClock clock_;
  vs::testing::MemoryStore store_{kGatewayTableNames.size()};
  std::unique_ptr<GatewayState> state_ = make_key_value_gateway_state(store_);
  std::unique_ptr<platform::OpensslSigner> gateway_key_;
  vs::testing::TestDevice device_;
};

TEST_F(ReadingExportTest, AnchoredReadingsGoOutWithTheirSubjectAndTheRestIsCounted) {
  ReadingSelection all = select({});
  EXPECT_EQ(all.blocks_read, 3u);
  EXPECT_EQ(all.readings, 3u);    // seq 1, 3, 5
  EXPECT_EQ(all.unanchored, 1u);  // seq 6
  ASSERT_EQ(all.device.blocks.size(), 2u);
  for (const FhirBlock& block : all.device.blocks)
    for (const FhirReading& reading : block.readings) EXPECT_EQ(reading.subject, "p-1");
  EXPECT_EQ(all.device.blocks[1].readings.front().entry.seq, 3u);
}

TEST_F(ReadingExportTest, ARecipientGetsOnlyWhatWasTakenUnderItsConsent) {
  ReadingFilter filter;
  filter.recipient = "clinic-a";
  ReadingSelection consented = select(filter);
  EXPECT_EQ(consented.readings, 1u);  // seq 3: after the grant, before the revocation
  EXPECT_EQ(consented.without_consent, 3u);
  ASSERT_EQ(consented.device.blocks.size(), 1u);
  EXPECT_EQ(consented.device.blocks[0].readings[0].entry.seq, 3u);
}

TEST_F(ReadingExportTest, ATimeWindowOrOneSeqSelectsWhatItNames) {
  ReadingFilter window;
  window.from_ms = vs::testing::heart_rate_entry(3).time_ms;
  window.to_ms = vs::testing::heart_rate_entry(5).time_ms;
  EXPECT_EQ(select(window).readings, 2u);
  ReadingFilter one;
  one.seq = 5;
  ReadingSelection single = select(one);
  EXPECT_EQ(single.readings, 1u);
  EXPECT_EQ(single.device.blocks[0].readings[0].entry.seq, 5u);
}

TEST_F(ReadingExportTest, AStoredBlockThatNoLongerVerifiesStopsTheExport) {
  auto stored = store_.get(kBlocksTable, height_key(device_.id(), 1)).value();
  ASSERT_TRUE(stored.has_value());
  Bytes changed = *stored;
  changed[changed.size() - 3] ^= 1;  // inside the last entry or its blinding
  platform::WriteBatch batch;
  batch.put(kBlocksTable, height_key(device_.id(), 1), changed);
  ASSERT_TRUE(store_.commit(batch).ok());
  auto selected = ReadingExport(*state_, sha_, verifiers_).select(device_.id(), {});
  ASSERT_FALSE(selected.ok());
  EXPECT_NE(selected.error().code(), ErrorCode::kNotFound);
  vs::testing::TestDevice stranger;
  EXPECT_EQ(ReadingExport(*state_, sha_, verifiers_).select(stranger.id(), {}).error().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vs::gateway
