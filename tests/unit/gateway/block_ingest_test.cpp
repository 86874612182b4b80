#include "vs/gateway/block_ingest.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "test_device.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

using Kind = IngestResult::Kind;

class BlockIngestTest : public ::testing::Test {
 protected:
  IngestResult ingest(const Bytes& block, const std::string& topic_device = "") {
    auto result = ingest_.ingest(topic_device.empty() ? device_.id().hex() : topic_device, block);
    EXPECT_TRUE(result.ok()) << result.error().message();
    return std::move(result).value();
  }

  vs::testing::MemoryStore store_{kGatewayTableNames.size()};
  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory keys_;
  std::unique_ptr<GatewayState> state_ = make_key_value_gateway_state(store_);
  platform::SystemClock clock_;
  BlockIngest ingest_{*state_, sha_, keys_, clock_};
  DeviceRegistry registry_{*state_, sha_, keys_};
  vs::testing::TestDevice device_;
};

TEST_F(BlockIngestTest, OnlyEnrolledDevicesAreHeard) {
  auto block = device_.seal_next(2);
  IngestResult unknown = ingest(block.encoded);
  EXPECT_EQ(unknown.kind, Kind::kRejected);
  EXPECT_EQ(unknown.rejection, Rejection::kUnknownDevice);
  EXPECT_EQ(registry_.enrol(device_.public_key()).value(), device_.id());
  IngestResult accepted = ingest(block.encoded);
  ASSERT_EQ(accepted.kind, Kind::kAccepted);
  ASSERT_EQ(accepted.accepted.size(), 1u);
  EXPECT_EQ(accepted.accepted[0].hash, block.hash);
  EXPECT_EQ(ingest_.tip(device_.id()).value()->height, 0u);

  ASSERT_TRUE(registry_.revoke(device_.id()).ok());
  IngestResult revoked = ingest(device_.seal_next(1).encoded);
  EXPECT_EQ(revoked.rejection, Rejection::kRevokedDevice);
}

TEST_F(BlockIngestTest, ChainStateSurvivesARestartAndDuplicatesAreIdempotent) {
  ASSERT_TRUE(registry_.enrol(device_.public_key()).ok());
  auto b0 = device_.seal_next(2);
  auto b1 = device_.seal_next(2);
  EXPECT_EQ(ingest(b0.encoded).kind, Kind::kAccepted);
  BlockIngest restarted(*state_, sha_, keys_, clock_);
  auto again = restarted.ingest(device_.id().hex(), b1.encoded);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kind, Kind::kAccepted);
  EXPECT_EQ(ingest(b0.encoded).kind, Kind::kDuplicate);
  EXPECT_EQ(ingest(b1.encoded).kind, Kind::kDuplicate);
  EXPECT_EQ(ingest_.tip(device_.id()).value()->height, 1u);
}

TEST_F(BlockIngestTest, AGapHoldsLaterBlocksAndAsksForTheMissingOnes) {
  ASSERT_TRUE(registry_.enrol(device_.public_key()).ok());
  auto b0 = device_.seal_next(1);
  auto b1 = device_.seal_next(1);
  auto b2 = device_.seal_next(1);
  auto b3 = device_.seal_next(1);
  EXPECT_EQ(ingest(b0.encoded).kind, Kind::kAccepted);
  IngestResult held = ingest(b3.encoded);
  EXPECT_EQ(held.kind, Kind::kHeld);
  ASSERT_TRUE(held.resend.has_value());
  EXPECT_EQ(held.resend->first, 1u);
  EXPECT_EQ(held.resend->second, 2u);
  EXPECT_EQ(ingest(b2.encoded).kind, Kind::kHeld);
  IngestResult filled = ingest(b1.encoded);
  ASSERT_EQ(filled.kind, Kind::kAccepted);
  ASSERT_EQ(filled.accepted.size(), 3u);  // b1, then the held b2 and b3
  EXPECT_EQ(filled.accepted[2].header.height, 3u);
  EXPECT_EQ(ingest_.tip(device_.id()).value()->height, 3u);
}

TEST_F(BlockIngestTest, TwoSignedBlocksAtOneHeightAreEquivocationKeptAsEvidence) {
  ASSERT_TRUE(registry_.enrol(device_.public_key()).ok());
  auto b0 = device_.seal_next(1);
  ASSERT_EQ(ingest(b0.encoded).kind, Kind::kAccepted);
  // The same key signs another block at height 0.
  auto fork = device_.seal_at(0, Digest{}, {vs::testing::heart_rate_entry(0, 140)});
  IngestResult result = ingest(fork.encoded);
  EXPECT_EQ(result.kind, Kind::kEquivocation);
  EXPECT_EQ(store_.count(kEvidenceTable).value(), 1u);
  EXPECT_EQ(ingest_.tip(device_.id()).value()->hash, b0.hash);  // the chain keeps its first block
  EXPECT_TRUE(registry_.load(device_.id()).value()->equivocated);  // the device is flagged
  auto devices = registry_.devices().value();
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_TRUE(devices[0].second.equivocated);
  EXPECT_FALSE(devices[0].second.revoked);
}

// What arrived together is one transaction: each block sees the ones
// before it (a gap filled later in the same call releases the held block).
// Clock faults: a device whose clock was set back an hour, then forward a
// day, still has its blocks taken; seq, not time, orders a chain.
TEST_F(BlockIngestTest, BlocksAcrossDeviceClockJumpsAreAccepted) {
  ASSERT_TRUE(registry_.enrol(device_.public_key()).ok());
  auto at = [](std::uint64_t seq, std::int64_t shift_ms) {
    proto::Entry entry = vs::testing::heart_rate_entry(seq);
    entry.time_ms = static_cast<std::uint64_t>(static_cast<std::int64_t>(entry.time_ms) + shift_ms);
    return entry;
  };
  proto::Entry adjustment = at(1, -3'600'000);
  proto::Event event;
  event.kind = proto::EventKind::kClockAdjustment;
  event.delta_ms = -3'600'000;
  adjustment.body = event;
  // Backwards inside one block, then forwards across the next.
  auto back = device_.seal_entries({at(0, 0), adjustment, at(2, -3'600'000)});
  auto forward = device_.seal_entries({at(3, 86'400'000), at(4, 86'400'000)});
  EXPECT_EQ(ingest(back.encoded).kind, IngestResult::Kind::kAccepted);
  EXPECT_EQ(ingest(forward.encoded).kind, IngestResult::Kind::kAccepted);
  EXPECT_EQ(ingest_.tip(device_.id()).value()->height, 1u);
}

TEST_F(BlockIngestTest, SeveralBlocksInOneTransactionSeeEachOther) {
  vs::testing::TestDevice other;
  ASSERT_TRUE(registry_.enrol(device_.public_key()).ok());
  ASSERT_TRUE(registry_.enrol(other.public_key()).ok());
  auto a0 = device_.seal_next(1);
  auto a1 = device_.seal_next(1);
  auto a2 = device_.seal_next(1);
  auto b0 = other.seal_next(1);
  std::string a = device_.id().hex();
  std::string b = other.id().hex();
  std::vector<BlockIngest::BlockMessage> messages{
      {a, a0.encoded}, {b, b0.encoded}, {a, a2.encoded}, {a, a1.encoded}, {a, a1.encoded}};
  int commits_before = store_.commits();
  auto results = ingest_.ingest_all(messages);
  ASSERT_TRUE(results.ok()) << results.error().message();
  EXPECT_EQ(store_.commits(), commits_before + 1);
  ASSERT_EQ(results->size(), 5u);
  EXPECT_EQ((*results)[0].kind, Kind::kAccepted);
  EXPECT_EQ((*results)[1].kind, Kind::kAccepted);
  EXPECT_EQ((*results)[2].kind, Kind::kHeld);
  EXPECT_EQ((*results)[3].kind, Kind::kAccepted);
  EXPECT_EQ((*results)[3].accepted.size(), 2u);  // height 1, then the held 2
  EXPECT_EQ((*results)[4].kind, Kind::kDuplicate);
  EXPECT_EQ(ingest_.tip(device_.id()).value()->height, 2u);
  EXPECT_EQ(store_.count(kUnanchoredTable).value(), 4u);
  EXPECT_EQ(store_.count(kHeldTable).value(), 0u);
}

TEST_F(BlockIngestTest, AStoreFailureAcceptsNoneOfTheBlocks) {
  ASSERT_TRUE(registry_.enrol(device_.public_key()).ok());
  auto a0 = device_.seal_next(1);
  auto a1 = device_.seal_next(1);
  std::string a = device_.id().hex();
  std::vector<BlockIngest::BlockMessage> messages{{a, a0.encoded}, {a, a1.encoded}};
  store_.fail_next_commits(1);
  EXPECT_FALSE(ingest_.ingest_all(messages).ok());
  EXPECT_FALSE(ingest_.tip(device_.id()).value().has_value());
  EXPECT_EQ(store_.count(kUnanchoredTable).value(), 0u);
  auto again = ingest_.ingest_all(messages);  // the devices send them again
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ingest_.tip(device_.id()).value()->height, 1u);
}

TEST_F(BlockIngestTest, EveryRejectionHasItsReason) {
  ASSERT_TRUE(registry_.enrol(device_.public_key()).ok());
  auto b0 = device_.seal_next(2);

  EXPECT_EQ(ingest(Bytes{0xff, 0x00}).rejection, Rejection::kMalformed);
  EXPECT_EQ(ingest(b0.encoded, "not-a-device").rejection, Rejection::kTopicMismatch);

  vs::testing::TestDevice other;
  ASSERT_TRUE(registry_.enrol(other.public_key()).ok());
  IngestResult wrong_topic = ingest(b0.encoded, other.id().hex());  // published under another id
  EXPECT_EQ(wrong_topic.rejection, Rejection::kTopicMismatch);

  proto::Block tampered = b0.block;
  tampered.entries[1].back() ^= 0x01;
  IngestResult content = ingest(proto::WireCodec::encode(tampered).value());
  EXPECT_EQ(content.rejection, Rejection::kBadContent) << content.detail;

  proto::Block forged = b0.block;
  auto signature = other.signer().sign(device_.sha().digest(forged.header)).value();
  forged.signature.assign(signature.begin(), signature.end());
  IngestResult bad_key = ingest(proto::WireCodec::encode(forged).value());
  EXPECT_EQ(bad_key.rejection, Rejection::kBadSignature) << bad_key.detail;

  EXPECT_FALSE(ingest_.tip(device_.id()).value().has_value());  // nothing bad was accepted
  EXPECT_EQ(ingest(b0.encoded).kind, Kind::kAccepted);
  EXPECT_STREQ(to_string(Rejection::kBadContent), "bad_content");
}

TEST_F(BlockIngestTest, EnrolRefusesWhatIsNotAKey) {
  EXPECT_FALSE(registry_.enrol(Bytes{1, 2, 3}).ok());
  EXPECT_EQ(registry_.revoke(device_.id()).error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vs::gateway
