// The agent loop with hand-written fakes: no broker, no sleeps, no wall clock.
#include "vs/agent/agent.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_transport.h"
#include "fakes/memory_store.h"
#include "fakes/scripted_sensor.h"
#include "test_receipts.h"
#include "vs/chain/receipt_signer.h"
#include "vs/platform/mbedtls_random.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {
namespace {

using namespace std::chrono_literals;

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() {
    config_.seal_max_entries = 4;
    config_.seal_max_age = 1000ms;
    config_.in_flight_window = 2;
    config_.status_interval = 60'000ms;
  }

  void make_agent() {
    chain_ = DeviceChain::open(store_, *device_key_, sha_, random_).value();
    gateway_public_ =
        platform::MbedtlsVerifierFactory().make_verifier(gateway_key_->public_key()).value();
    receipts_ = std::make_unique<chain::ReceiptVerifier>(sha_, *gateway_public_,
                                                         gateway_key_->public_key());
    agent_ = std::make_unique<Agent>(config_, *chain_, store_, sensor_, &transport_, clock_, sha_,
                                     receipts_.get());
    ASSERT_TRUE(agent_->start({}).ok());
  }
  // Blocks 0 and 1 sealed and published (acknowledged by the broker), no
  // receipt yet; a receipt is chased after 5 s.
  void publish_two_blocks_awaiting_receipts() {
    config_.receipt_timeout = 5000ms;
    make_agent();
    sensor_.add_readings(8);
    transport_.connect();
    step();
    transport_.settle_all();
    step();
    ASSERT_EQ(transport_.on("/blocks").size(), 2u);
  }
  void step(int times = 1) {
    for (int i = 0; i < times; ++i) ASSERT_TRUE(agent_->step(0ms).ok());
  }
  std::uint64_t height_of(const Bytes& block_bytes) {
    auto block = proto::WireCodec::decode_block(block_bytes).value();
    return proto::WireCodec::decode_block_header(block.header).value().height;
  }
  Bytes receipt_for(std::uint64_t height, platform::Signer& signer,
                    proto::ReceiptState state = proto::ReceiptState::kAnchored) {
    return vs::testing::single_block_receipt(sha_, *chain_, height, state, height + 1, signer,
                                             gateway_key_->public_key());
  }

  // A resend request as the gateway sends it: signed, timed, with a nonce.
  Bytes resend_request(std::uint64_t from, std::uint64_t to, std::uint8_t nonce,
                       std::int64_t age_ms = 0, platform::Signer* signer = nullptr,
                       std::optional<Bytes> device = std::nullopt) {
    proto::ResendRequest request;
    request.version = 1;
    request.device_id = device.value_or(
        Bytes(chain_->device_id().bytes().begin(), chain_->device_id().bytes().end()));
    request.from_height = from;
    request.to_height = to;
    request.reason = "gap";
    request.time_ms =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(clock_.wall_ms()) - age_ms);
    request.nonce = Bytes(16, nonce);
    return chain::ReceiptSigner(sha_, signer != nullptr ? *signer : *gateway_key_)
        .sign_encoded(request)
        .value();
  }
  void expect_newest_block_opens_with_a_gap_of(std::uint64_t refused) {
    auto sealed =
        proto::WireCodec::decode_block(chain_->block(chain_->tip()->height).value().value())
            .value();
    auto gap = proto::WireCodec::decode_entry(sealed.entries[0]).value();
    EXPECT_EQ(std::get<proto::Event>(gap.body).kind, proto::EventKind::kGap);
    EXPECT_EQ(std::get<proto::Event>(gap.body).count, refused);
  }
  std::vector<std::uint64_t> published_heights() {
    std::vector<std::uint64_t> heights;
    for (const auto* block : transport_.on("/blocks")) heights.push_back(height_of(block->payload));
    return heights;
  }

  AgentConfig config_;
  vs::testing::MemoryStore store_{4};
  vs::testing::ScriptedSensor sensor_;
  vs::testing::FakeTransport transport_;
  vs::testing::FakeClock clock_;
  platform::MbedtlsSha256 sha_;
  platform::MbedtlsRandom random_;
  std::unique_ptr<platform::MbedtlsSigner> device_key_ =
      platform::MbedtlsSigner::generate().value();
  std::unique_ptr<platform::MbedtlsSigner> gateway_key_ =
      platform::MbedtlsSigner::generate().value();
  std::unique_ptr<platform::Verifier> gateway_public_;
  std::unique_ptr<chain::ReceiptVerifier> receipts_;
  std::unique_ptr<DeviceChain> chain_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(AgentTest, SubscribesToItsOwnReceiptsAndResendRequests) {
  make_agent();
  std::string device = chain_->device_id().hex();
  EXPECT_EQ(transport_.subscriptions, (std::vector<std::string>{"vs/v1/" + device + "/receipts",
                                                                "vs/v1/" + device + "/resend"}));
  ASSERT_TRUE(transport_.options().will.has_value());
  EXPECT_EQ(transport_.options().will->topic, "vs/v1/" + device + "/status");
  EXPECT_FALSE(proto::WireCodec::decode_status(transport_.options().will->payload).value().online);
}

TEST_F(AgentTest, SealsOnCountTimeAndAlarm) {
  make_agent();
  sensor_.add_readings(10);
  step();
  EXPECT_EQ(agent_->counters().blocks_sealed, 2u);  // 4 + 4, two pending
  EXPECT_EQ(chain_->pending_entries(), 2u);
  clock_.advance(999ms);
  step();
  EXPECT_EQ(agent_->counters().blocks_sealed, 2u);
  clock_.advance(1ms);
  step();
  EXPECT_EQ(agent_->counters().blocks_sealed, 3u);  // max age reached
  sensor_.add_readings(1, 150, proto::kQualityAlarm);
  step();
  EXPECT_EQ(agent_->counters().blocks_sealed, 4u);  // at once
  auto block = proto::WireCodec::decode_block(chain_->block(3).value().value()).value();
  EXPECT_EQ(proto::WireCodec::decode_block_header(block.header).value().seal_reason,
            proto::SealReason::kAlarm);
}

TEST_F(AgentTest, PublishesInHeightOrderWithinTheWindow) {
  make_agent();
  sensor_.add_readings(20);  // five blocks
  step();
  EXPECT_TRUE(transport_.on("/blocks").empty());  // not connected: blocks wait in the store
  transport_.connect();
  step();
  auto blocks = transport_.on("/blocks");
  ASSERT_EQ(blocks.size(), 2u);  // window of two
  EXPECT_EQ(height_of(blocks[0]->payload), 0u);
  EXPECT_EQ(height_of(blocks[1]->payload), 1u);
  EXPECT_EQ(blocks[0]->payload, chain_->block(0).value().value());  // the exact stored bytes
  EXPECT_EQ(blocks[0]->qos, 1);
  transport_.settle_all();
  step();
  ASSERT_EQ(transport_.on("/blocks").size(), 4u);
  transport_.settle_all();
  step();
  blocks = transport_.on("/blocks");
  ASSERT_EQ(blocks.size(), 5u);
  for (std::size_t i = 0; i < blocks.size(); ++i) EXPECT_EQ(height_of(blocks[i]->payload), i);
}

TEST_F(AgentTest, AReconnectRepublishesEverythingNotYetAnchored) {
  make_agent();
  sensor_.add_readings(12);  // three blocks
  transport_.connect();
  step();
  transport_.settle_all();
  step(2);
  transport_.settle_all();
  ASSERT_EQ(transport_.on("/blocks").size(), 3u);
  transport_.deliver(agent_->topic("receipts"), receipt_for(0, *gateway_key_));
  step();
  EXPECT_EQ(chain_->retired_below(), 1u);
  transport_.disconnect();
  transport_.connect();
  step();
  transport_.settle_all();
  step();
  auto blocks = transport_.on("/blocks");
  ASSERT_EQ(blocks.size(), 5u);  // heights 1 and 2 again, not 0
  EXPECT_EQ(height_of(blocks[3]->payload), 1u);
  EXPECT_EQ(height_of(blocks[4]->payload), 2u);
}

// The gateway stored a receipt and died before sending it; the connection
// stayed up. The oldest waiting block goes out again after the timeout, and
// the gateway's answer to the duplicate retires it.
TEST_F(AgentTest, ALostReceiptIsChasedByPublishingTheBlockAgain) {
  ASSERT_NO_FATAL_FAILURE(publish_two_blocks_awaiting_receipts());
  clock_.advance(4999ms);
  step();
  EXPECT_EQ(transport_.on("/blocks").size(), 2u);
  clock_.advance(1ms);
  step();
  transport_.settle_all();
  auto blocks = transport_.on("/blocks");
  ASSERT_EQ(blocks.size(), 4u);  // both again, oldest first
  EXPECT_EQ(height_of(blocks[2]->payload), 0u);
  EXPECT_EQ(height_of(blocks[3]->payload), 1u);
  EXPECT_EQ(agent_->counters().receipt_timeouts, 1u);
  transport_.deliver(agent_->topic("receipts"), receipt_for(0, *gateway_key_));
  transport_.deliver(agent_->topic("receipts"), receipt_for(1, *gateway_key_));
  step();
  EXPECT_EQ(chain_->retired_below(), 2u);
  clock_.advance(10'000ms);
  step();
  EXPECT_EQ(transport_.on("/blocks").size(), 4u);  // nothing is waiting any more
}

// A pending receipt arrived, then the anchored one was lost (sent while the
// device was away, say). The block has a receipt, so a reconnect does not
// publish it again; the chase does, and the gateway's answer retires it.
TEST_F(AgentTest, ABlockWithOnlyAPendingReceiptIsChasedToo) {
  ASSERT_NO_FATAL_FAILURE(publish_two_blocks_awaiting_receipts());
  transport_.deliver(agent_->topic("receipts"),
                     receipt_for(0, *gateway_key_, proto::ReceiptState::kPending));
  transport_.deliver(agent_->topic("receipts"), receipt_for(1, *gateway_key_));
  step();
  EXPECT_EQ(chain_->retired_below(), 0u);  // 1 is anchored, but 0 is not yet
  transport_.disconnect();
  transport_.connect();
  step();
  transport_.settle_all();
  EXPECT_EQ(transport_.on("/blocks").size(), 2u);  // both have receipts: not republished
  clock_.advance(5000ms);
  step();
  transport_.settle_all();
  auto blocks = transport_.on("/blocks");
  ASSERT_EQ(blocks.size(), 3u);  // only the one without an anchored receipt
  EXPECT_EQ(height_of(blocks[2]->payload), 0u);
  transport_.deliver(agent_->topic("receipts"), receipt_for(0, *gateway_key_));
  step();
  EXPECT_EQ(chain_->retired_below(), 2u);
}

TEST_F(AgentTest, AFailedPublishIsRetried) {
  make_agent();
  sensor_.add_readings(4);
  transport_.connect();
  step();
  transport_.settle_all(Error(ErrorCode::kUnavailable, "publish was not acknowledged"));
  step();
  auto blocks = transport_.on("/blocks");
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(height_of(blocks[1]->payload), 0u);
  EXPECT_EQ(agent_->counters().publish_failures, 1u);
}

TEST_F(AgentTest, OnlyAReceiptThatVerifiesRetiresABlock) {
  make_agent();
  sensor_.add_readings(8);
  transport_.connect();
  step();
  auto impostor = platform::MbedtlsSigner::generate().value();
  transport_.deliver(agent_->topic("receipts"), receipt_for(0, *impostor));
  Bytes tampered = receipt_for(1, *gateway_key_);
  tampered[10] ^= 0x01;
  transport_.deliver(agent_->topic("receipts"), tampered);
  transport_.deliver(agent_->topic("receipts"), Bytes{0xff, 0x00, 0x13});
  step();
  EXPECT_EQ(agent_->counters().receipts_rejected, 3u);
  EXPECT_EQ(chain_->retired_below(), 0u);
  transport_.deliver(agent_->topic("receipts"), receipt_for(0, *gateway_key_));
  transport_.deliver(agent_->topic("receipts"), receipt_for(1, *gateway_key_));
  step();
  EXPECT_EQ(agent_->counters().receipts_accepted, 2u);
  EXPECT_EQ(chain_->retired_below(), 2u);
}

// An anchored block asked for again goes with its receipt (on .../resent),
// so that a gateway restored from an older copy does not anchor it twice.
TEST_F(AgentTest, ResendRequestsArePublishedAgainAnchoredOnesWithTheirReceipt) {
  make_agent();
  sensor_.add_readings(12);
  transport_.connect();
  step();
  transport_.settle_all();
  step();
  transport_.settle_all();
  Bytes receipt = receipt_for(0, *gateway_key_);
  transport_.deliver(agent_->topic("receipts"), receipt);
  transport_.deliver(agent_->topic("resend"), resend_request(0, 1, 1));
  transport_.deliver(agent_->topic("resend"), resend_request(0, 2, 2, 0, nullptr, Bytes(16, 0x42)));
  step();
  EXPECT_EQ(published_heights(), (std::vector<std::uint64_t>{0, 1, 2, 1}));
  auto resent = transport_.on("/resent");
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0]->topic, agent_->topic("resent"));
  auto decoded = proto::WireCodec::decode_resent_block(resent[0]->payload);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(height_of(decoded->block), 0u);
  EXPECT_EQ(decoded->block, chain_->block(0).value().value());  // the stored bytes, exactly
  EXPECT_EQ(decoded->receipt, receipt);
  EXPECT_EQ(agent_->counters().resend_requests, 1u);
  EXPECT_EQ(agent_->counters().resend_refused, 1u);  // for another device
}

// "key_rotation NAME" from the inbox: what was held is sealed with the old
// key, the event last, and the next block is signed with NAME's key.
TEST_F(AgentTest, AKeyRotationFromTheInboxSwitchesTheSigningKeyAtTheNextBlock) {
  make_agent();
  std::unique_ptr<platform::Signer> next = platform::MbedtlsSigner::generate().value();
  Bytes next_public(next->public_key().begin(), next->public_key().end());
  std::vector<std::string> asked;
  agent_->set_key_loader([&](std::string_view name) -> Result<std::unique_ptr<platform::Signer>> {
    asked.emplace_back(name);
    if (name != "device-2") return Error(ErrorCode::kNotFound, "no such key");
    return std::move(next);
  });
  proto::Event unknown;
  unknown.kind = proto::EventKind::kKeyRotation;
  unknown.text = "no-such-key";
  sensor_.add(
      {proto::Reading{proto::VitalKind::kHeartRate, 70, 0, proto::kQualityOk, 0, {}}, unknown});
  step();
  EXPECT_EQ(agent_->counters().key_rotations_refused, 1u);
  EXPECT_EQ(chain_->key_index(), 0u);
  proto::Event rotation = unknown;
  rotation.text = "device-2";
  sensor_.add(
      {proto::Reading{proto::VitalKind::kHeartRate, 71, 0, proto::kQualityOk, 0, {}}, rotation});
  step();
  EXPECT_EQ(asked, (std::vector<std::string>{"no-such-key", "device-2"}));
  EXPECT_EQ(agent_->counters().key_rotations, 1u);
  EXPECT_EQ(chain_->key_index(), 1u);
  EXPECT_EQ(chain_->pending_entries(), 0u);  // sealed with the rotation
  sensor_.add_readings(4);
  step();
  platform::MbedtlsVerifierFactory keys;
  auto follower = chain::ChainVerifier::from_genesis(sha_, keys, device_key_->public_key()).value();
  for (std::uint64_t height = 0; height <= chain_->tip()->height; ++height) {
    auto verified = follower.append(*chain_->block(height).value());
    ASSERT_TRUE(verified.ok()) << verified.error().message();
  }
  EXPECT_EQ(follower.key_index(), 1u);
  EXPECT_EQ(follower.public_keys().back(), next_public);
  EXPECT_GE(chain_->tip()->height, 1u);  // a block after the rotation, by the new key
}

TEST_F(AgentTest, ForgedStaleAndReplayedResendRequestsAreRefused) {
  make_agent();
  sensor_.add_readings(12);  // three blocks
  transport_.connect();
  for (int i = 0; i < 3; ++i) {
    step();
    transport_.settle_all();
  }
  ASSERT_EQ(published_heights().size(), 3u);
  auto stranger = platform::MbedtlsSigner::generate().value();
  Bytes genuine = resend_request(0, 0, 7);
  proto::ResendRequest unsigned_request{
      1,           Bytes(chain_->device_id().bytes().begin(), chain_->device_id().bytes().end()),
      0,           2,
      "gap",       clock_.wall_ms(),
      Bytes(16, 9)};
  Bytes tampered = genuine;
  tampered[10] ^= 0x01;  // inside the signed body
  for (const Bytes& refused :
       {proto::WireCodec::encode(unsigned_request).value(),  // the old, unsigned form
        resend_request(0, 2, 1, 0, stranger.get()),          // another key
        tampered, resend_request(0, 2, 2, 301'000),          // older than resend.max_age_ms
        resend_request(0, 2, 3, -301'000)}) {                // from too far in the future
    transport_.deliver(agent_->topic("resend"), refused);
  }
  step();
  EXPECT_EQ(agent_->counters().resend_refused, 5u);
  EXPECT_EQ(published_heights().size(), 3u);  // nothing published again

  transport_.deliver(agent_->topic("resend"), genuine);
  step();
  transport_.settle_all();
  EXPECT_EQ(published_heights().size(), 4u);
  for (int i = 0; i < 3; ++i) transport_.deliver(agent_->topic("resend"), genuine);  // replays
  clock_.advance(1000ms);
  step();
  EXPECT_EQ(published_heights().size(), 4u);
  EXPECT_EQ(agent_->counters().resend_requests, 1u);
  EXPECT_EQ(agent_->counters().resend_refused, 8u);
}

TEST_F(AgentTest, ResendRangesAreMergedBoundedAndTakeTurnsWithNewBlocks) {
  config_.in_flight_window = 1;
  config_.resend_max_blocks = 3;
  make_agent();
  sensor_.add_readings(24);  // six blocks
  transport_.connect();
  for (int i = 0; i < 6; ++i) {
    step();
    transport_.settle_all();
  }
  ASSERT_EQ(published_heights().size(), 6u);
  // Overlapping requests, one for every height there could be: heights
  // 0..2 once each, the rest left for the gateway to ask again.
  transport_.deliver(agent_->topic("resend"), resend_request(0, UINT64_MAX, 1));
  transport_.deliver(agent_->topic("resend"), resend_request(1, 2, 2));
  transport_.deliver(agent_->topic("resend"), resend_request(0, 1, 3));
  sensor_.add_readings(8);  // two new blocks, 6 and 7
  for (int i = 0; i < 8; ++i) {
    step();
    transport_.settle_all();
  }
  auto heights = published_heights();
  std::vector<std::uint64_t> after(heights.begin() + 6, heights.end());
  // New blocks and resends alternate; each resent height goes once.
  EXPECT_EQ(after, (std::vector<std::uint64_t>{0, 6, 1, 7, 2}));
  EXPECT_EQ(agent_->counters().resend_requests, 3u);
  EXPECT_EQ(agent_->counters().blocks_resent, 3u);
}

TEST_F(AgentTest, FullStorageRaisesTheAlarmRefusesReadingsAndRecovers) {
  make_agent();
  sensor_.add_readings(16);  // four blocks
  transport_.connect();
  step();
  store_.set_limit_bytes(store_.usage().value().used_bytes + 100);
  sensor_.add_readings(3);
  step();
  EXPECT_TRUE(agent_->storage_alarm());
  EXPECT_EQ(agent_->counters().readings_refused, 3u);
  auto statuses = transport_.on("/status");
  ASSERT_FALSE(statuses.empty());
  auto status = proto::WireCodec::decode_status(statuses.back()->payload).value();
  EXPECT_EQ(status.alarms & proto::kAgentAlarmStorageFull, proto::kAgentAlarmStorageFull);
  EXPECT_TRUE(statuses.back()->retained);
  std::uint64_t tip = chain_->tip()->height;

  for (std::uint64_t height = 0; height <= tip; ++height) {
    transport_.deliver(agent_->topic("receipts"), receipt_for(height, *gateway_key_));
  }
  sensor_.add_readings(1, 80);
  step();
  EXPECT_FALSE(agent_->storage_alarm());
  EXPECT_EQ(chain_->pending_entries(), 2u);  // the gap event, then the reading
  clock_.advance(1000ms);
  step();
  expect_newest_block_opens_with_a_gap_of(3);
}

TEST_F(AgentTest, AClockJumpIsRecordedAndSeqStaysMonotonic) {
  make_agent();
  sensor_.add_readings(1);
  step();
  clock_.jump_wall(-3'600'000);  // set back an hour
  sensor_.add_readings(1);
  step();
  EXPECT_EQ(agent_->counters().clock_adjustments, 1u);
  EXPECT_EQ(chain_->next_seq(), 3u);  // reading, clock event, reading
  clock_.advance(1000ms);
  step();
  auto block = proto::WireCodec::decode_block(chain_->block(0).value().value()).value();
  auto event = proto::WireCodec::decode_entry(block.entries[1]).value();
  EXPECT_EQ(std::get<proto::Event>(event.body).kind, proto::EventKind::kClockAdjustment);
  EXPECT_EQ(std::get<proto::Event>(event.body).delta_ms, -3'600'000);
  EXPECT_LT(proto::WireCodec::decode_entry(block.entries[2]).value().time_ms,
            proto::WireCodec::decode_entry(block.entries[0]).value().time_ms);
}

TEST_F(AgentTest, GroupDurabilityCommitsAWindowOfReadingsInOneTransaction) {
  config_.group_commit = true;
  config_.group_commit_window = 1000ms;
  config_.seal_max_entries = 64;
  config_.seal_max_age = 60'000ms;
  make_agent();
  int commits_before = store_.commits();
  std::uint64_t first_arrival_ms = clock_.wall_ms();
  for (int i = 0; i < 4; ++i) {  // one reading every 300 ms: 0, 300, 600, 900
    sensor_.add_readings(1);
    step();
    EXPECT_EQ(chain_->next_seq(), 0u) << "committed before the window passed";
    clock_.advance(300ms);
  }
  step();  // 1200 ms after the first: the window has passed
  EXPECT_EQ(chain_->next_seq(), 4u);
  EXPECT_EQ(store_.commits(), commits_before + 1);
  EXPECT_EQ(agent_->counters().readings_recorded, 4u);
  // Each keeps the time it arrived, not the time of the commit.
  ASSERT_TRUE(agent_->shutdown(0ms).ok());
  auto block = proto::WireCodec::decode_block(chain_->block(0).value().value()).value();
  ASSERT_EQ(block.entries.size(), 4u);
  EXPECT_EQ(proto::WireCodec::decode_entry(block.entries[0]).value().time_ms, first_arrival_ms);
  EXPECT_EQ(proto::WireCodec::decode_entry(block.entries[3]).value().time_ms,
            first_arrival_ms + 900);
}

TEST_F(AgentTest, GroupDurabilityCommitsAnAlarmAtOnceAndTheRestAtShutdown) {
  config_.group_commit = true;
  config_.group_commit_window = 10'000ms;
  config_.seal_max_entries = 64;
  config_.seal_max_age = 60'000ms;
  make_agent();
  sensor_.add_readings(2);
  step();
  EXPECT_EQ(chain_->next_seq(), 0u);
  sensor_.add_readings(1, 150, proto::kQualityAlarm);  // does not wait for the window
  step();
  EXPECT_EQ(chain_->next_seq(), 3u);
  EXPECT_EQ(agent_->counters().blocks_sealed, 1u);
  sensor_.add_readings(2);
  step();
  EXPECT_EQ(chain_->next_seq(), 3u);
  ASSERT_TRUE(agent_->shutdown(0ms).ok());  // what is held is committed and sealed
  EXPECT_EQ(chain_->next_seq(), 5u);
  EXPECT_EQ(chain_->pending_entries(), 0u);
  EXPECT_EQ(chain_->tip()->height, 1u);
}

// The flash budget: with the window as long as the seal age, a block's
// readings, its seal and the receipts that came meanwhile are one transaction.
TEST_F(AgentTest, GroupDurabilityCommitsABlockAndItsWindowsReceiptsAsOneTransaction) {
  config_.group_commit = true;
  config_.group_commit_window = 1000ms;
  config_.seal_max_entries = 64;
  config_.seal_max_age = 1000ms;
  make_agent();
  transport_.connect();
  for (std::uint64_t height = 0; height < 3; ++height) {
    int commits_before = store_.commits();
    for (int i = 0; i < 4; ++i) {  // one reading every 300 ms
      sensor_.add_readings(1);
      step();
      transport_.settle_all();
      if (height > 0 && i == 1) {
        transport_.deliver(agent_->topic("receipts"), receipt_for(height - 1, *gateway_key_));
        step();
        EXPECT_TRUE(chain_->has_anchored_receipt(height - 1).value());  // seen at once
        EXPECT_EQ(chain_->retired_below(), height - 1);                 // written later
      }
      clock_.advance(300ms);
    }
    step();  // 1200 ms after the first reading: window and seal age both over
    EXPECT_EQ(store_.commits(), commits_before + 1) << "block " << height;
    ASSERT_TRUE(chain_->tip().has_value());
    EXPECT_EQ(chain_->tip()->height, height);
    EXPECT_EQ(chain_->pending_entries(), 0u);
    EXPECT_EQ(chain_->retired_below(), height);
  }
  EXPECT_EQ(agent_->counters().receipts_accepted, 2u);
  // A receipt with no window to join waits at most a window.
  transport_.deliver(agent_->topic("receipts"), receipt_for(2, *gateway_key_));
  step();
  EXPECT_EQ(chain_->retired_below(), 2u);
  clock_.advance(1000ms);
  step();
  EXPECT_EQ(chain_->retired_below(), 3u);
  EXPECT_EQ(chain_->held_receipts(), 0u);
}

// kill -9 or a power cut with receipts held: they were never written, so
// their blocks are published again and the gateway answers them again.
TEST_F(AgentTest, GroupDurabilityAsksAgainForReceiptsLostWithTheProcess) {
  config_.group_commit = true;
  config_.group_commit_window = 1000ms;
  make_agent();
  sensor_.add_readings(4);  // a block's worth: committed and sealed at once
  transport_.connect();
  step();
  transport_.settle_all();
  step();
  ASSERT_EQ(published_heights(), (std::vector<std::uint64_t>{0}));
  transport_.deliver(agent_->topic("receipts"), receipt_for(0, *gateway_key_));
  step();
  EXPECT_EQ(chain_->held_receipts(), 1u);
  agent_.reset();  // the process dies: no shutdown, nothing more written
  transport_ = vs::testing::FakeTransport();
  make_agent();
  EXPECT_EQ(chain_->retired_below(), 0u);
  EXPECT_FALSE(chain_->receipt(0).value().has_value());
  transport_.connect();
  step();
  ASSERT_EQ(published_heights(), (std::vector<std::uint64_t>{0}));  // published again
  transport_.deliver(agent_->topic("receipts"), receipt_for(0, *gateway_key_));
  step();
  clock_.advance(1000ms);
  step();
  EXPECT_EQ(chain_->retired_below(), 1u);
}

TEST_F(AgentTest, GroupDurabilityOnAFullStoreTakesReceiptsThenRecordsTheGap) {
  config_.group_commit = true;
  config_.group_commit_window = 1000ms;
  make_agent();
  sensor_.add_readings(16);  // four blocks' worth: committed and sealed at once
  transport_.connect();
  step();
  ASSERT_EQ(chain_->tip()->height, 3u);
  store_.set_limit_bytes(store_.usage().value().used_bytes + 100);
  sensor_.add_readings(3);
  step();
  clock_.advance(1000ms);
  step();
  EXPECT_TRUE(agent_->storage_alarm());
  EXPECT_EQ(agent_->counters().readings_refused, 3u);
  for (std::uint64_t height = 0; height <= 3; ++height) {
    transport_.deliver(agent_->topic("receipts"), receipt_for(height, *gateway_key_));
  }
  sensor_.add_readings(1, 80);
  step();
  clock_.advance(1000ms);
  step();  // window over: receipts first, then the gap event and the reading
  EXPECT_EQ(chain_->retired_below(), 4u);
  EXPECT_FALSE(agent_->storage_alarm());
  clock_.advance(1000ms);
  step();
  expect_newest_block_opens_with_a_gap_of(3);
}

TEST_F(AgentTest, LiveReadingsCarryTheSignedEntry) {
  config_.live = true;
  make_agent();
  transport_.connect();
  step();
  sensor_.add_readings(1, 77);
  step();
  auto live = transport_.on("/live");
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0]->qos, 0);
  auto reading = proto::WireCodec::decode_live_reading(live[0]->payload).value();
  auto device = platform::MbedtlsVerifierFactory().make_verifier(device_key_->public_key()).value();
  EXPECT_TRUE(device->verify(sha_.digest(reading.entry), ByteView(reading.signature)).ok());
  EXPECT_EQ(
      std::get<proto::Reading>(proto::WireCodec::decode_entry(reading.entry).value().body).mantissa,
      77);
}

TEST_F(AgentTest, ShutdownSealsWhatIsPendingAndSaysOffline) {
  make_agent();
  transport_.connect();
  sensor_.add_readings(2);
  step();
  ASSERT_TRUE(agent_->shutdown(0ms).ok());
  EXPECT_EQ(chain_->pending_entries(), 0u);
  EXPECT_EQ(chain_->tip()->height, 0u);
  auto statuses = transport_.on("/status");
  ASSERT_FALSE(statuses.empty());
  EXPECT_FALSE(proto::WireCodec::decode_status(statuses.back()->payload).value().online);
}

}  // namespace
}  // namespace vs::agent
