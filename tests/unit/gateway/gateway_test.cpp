#include "vs/gateway/gateway.h"
#include "test_log_key.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_transport.h"
#include "fakes/memory_store.h"
#include "test_device.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_random.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

using namespace std::chrono_literals;

// A ledger that can be switched off, in front of the real local one.
class SwitchableLedger final : public Ledger {
 public:
  explicit SwitchableLedger(Ledger& inner) : inner_(inner) {}
  Result<proto::LedgerRef> anchor(const Digest& root, std::uint64_t batch_id, std::uint64_t time_ms,
                                  GatewayTransaction& batch) override {
    if (down) return Error(ErrorCode::kUnavailable, "ledger is down");
    return inner_.anchor(root, batch_id, time_ms, batch);
  }
  bool down = false;

 private:
  Ledger& inner_;
};

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest()
      : key_(platform::MbedtlsSigner::generate().value()),
        public_(verifiers_.make_verifier(key_->public_key()).value()),
        local_(*state_, sha_, vs::testing::test_log_key("test/gateway")),
        ledger_(local_),
        signer_(sha_, *key_) {
    options_.batch_max_blocks = 4;
    options_.batch_max_age = 1000ms;
    options_.resend_interval = 500ms;
    options_.anchor_retry = 2000ms;
  }

  std::unique_ptr<Gateway> make_gateway() {
    auto gateway = std::make_unique<Gateway>(options_, ingest_, anchorer_, ledger_, signer_,
                                             random_, &transport_, clock_);
    EXPECT_TRUE(gateway->start({}).ok());
    transport_.connect();
    return gateway;
  }
  void send(Gateway& gateway, const vs::testing::TestDevice& device, const Bytes& block) {
    gateway.deliver({"vs/v1/" + device.id().hex() + "/blocks", block});
    ASSERT_TRUE(gateway.step(0ms).ok());
  }
  // Receipts published to `device`, verified against the block hashes.
  std::size_t verified_receipts(const vs::testing::TestDevice& device,
                                const std::vector<chain::SealedBlock>& blocks) {
    chain::ReceiptVerifier verifier(sha_, *public_, key_->public_key());
    std::size_t verified = 0;
    for (const auto* published : transport_.on("/receipts")) {
      if (published->topic != "vs/v1/" + device.id().hex() + "/receipts") continue;
      auto body = proto::WireCodec::decode_receipt_body(
          proto::WireCodec::decode_receipt(published->payload)->body);
      const chain::SealedBlock& block = blocks.at(static_cast<std::size_t>(body->block_height));
      if (verifier.verify(published->payload, {device.id(), block.header.height, block.hash}))
        ++verified;
    }
    return verified;
  }

  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory verifiers_;
  vs::testing::MemoryStore store_{kGatewayTableNames.size()};
  std::unique_ptr<GatewayState> state_ = make_key_value_gateway_state(store_);
  std::unique_ptr<platform::MbedtlsSigner> key_;
  std::unique_ptr<platform::Verifier> public_;
  LocalLedger local_;
  SwitchableLedger ledger_;
  chain::ReceiptSigner signer_;
  platform::OpensslRandom random_;
  vs::testing::FakeTransport transport_;
  vs::testing::FakeClock clock_;
  chain::ReceiptVerifier own_receipts_{sha_, *public_, key_->public_key()};
  BlockIngest ingest_{*state_, sha_, verifiers_, clock_, &own_receipts_};
  DeviceRegistry registry_{*state_, sha_, verifiers_};
  BatchAnchorer anchorer_{*state_, sha_, ledger_, signer_};
  GatewayOptions options_;
};

TEST_F(GatewayTest, AFullBatchIsAnchoredOnceAndEveryDeviceGetsItsReceipts) {
  vs::testing::TestDevice a, b;
  ASSERT_TRUE(registry_.enrol(a.public_key()).ok());
  ASSERT_TRUE(registry_.enrol(b.public_key()).ok());
  auto gateway = make_gateway();
  EXPECT_EQ(transport_.subscriptions,
            (std::vector<std::string>{"vs/v1/+/blocks", "vs/v1/+/resent"}));
  std::vector<chain::SealedBlock> a_blocks, b_blocks;
  for (int i = 0; i < 2; ++i) {
    a_blocks.push_back(a.seal_next(2));
    b_blocks.push_back(b.seal_next(2));
    send(*gateway, a, a_blocks.back().encoded);
    send(*gateway, b, b_blocks.back().encoded);
  }
  EXPECT_EQ(local_.size().value(), 1u);  // four blocks: one anchor
  EXPECT_EQ(verified_receipts(a, a_blocks), 2u);
  EXPECT_EQ(verified_receipts(b, b_blocks), 2u);
  auto counters = gateway->counters();
  EXPECT_EQ(counters.blocks_accepted, 4u);
  EXPECT_EQ(counters.batches_anchored, 1u);
  EXPECT_EQ(counters.last_batch_size, 4u);
  EXPECT_EQ(counters.queued_blocks, 0u);
  EXPECT_EQ(counters.devices.at(a.id()).tip_height, 1u);
}

TEST_F(GatewayTest, AnOldEnoughBatchIsAnchoredBeforeItIsFull) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  auto gateway = make_gateway();
  std::vector<chain::SealedBlock> blocks{device.seal_next(1)};
  send(*gateway, device, blocks[0].encoded);
  EXPECT_EQ(local_.size().value(), 0u);
  clock_.advance(999ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  EXPECT_EQ(local_.size().value(), 0u);
  clock_.advance(1ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  EXPECT_EQ(local_.size().value(), 1u);
  EXPECT_EQ(verified_receipts(device, blocks), 1u);
}

TEST_F(GatewayTest, AGapIsAskedForUntilFilledAndThenTheHeldBlocksFollow) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  auto gateway = make_gateway();
  std::vector<chain::SealedBlock> blocks{device.seal_next(1), device.seal_next(1),
                                         device.seal_next(1), device.seal_next(1),
                                         device.seal_next(1)};
  send(*gateway, device, blocks[2].encoded);
  auto requests = transport_.on("/resend");
  ASSERT_EQ(requests.size(), 1u);
  // Signed by the gateway key, timed and with a nonce: the device checks all three.
  chain::ReceiptVerifier verifier(sha_, *public_, key_->public_key());
  auto request = verifier.verify_resend(requests[0]->payload, device.id());
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->from_height, 0u);
  EXPECT_EQ(request->to_height, 1u);
  EXPECT_EQ(request->time_ms, clock_.wall_ms());
  EXPECT_EQ(request->nonce.size(), 16u);
  EXPECT_EQ(requests[0]->topic, "vs/v1/" + device.id().hex() + "/resend");
  EXPECT_FALSE(verifier.verify_resend(requests[0]->payload, vs::testing::TestDevice().id()).ok());
  // More blocks past the same gap do not ask again before the interval.
  send(*gateway, device, blocks[3].encoded);
  send(*gateway, device, blocks[4].encoded);
  EXPECT_EQ(transport_.on("/resend").size(), 1u);
  clock_.advance(500ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  requests = transport_.on("/resend");
  ASSERT_EQ(requests.size(), 2u);  // asked again: the first may be lost
  auto again = verifier.verify_resend(requests[1]->payload, device.id()).value();
  EXPECT_EQ(again.to_height, 3u);
  EXPECT_NE(again.nonce, request->nonce);
  send(*gateway, device, blocks[0].encoded);
  send(*gateway, device, blocks[1].encoded);
  EXPECT_EQ(gateway->counters().devices.at(device.id()).tip_height, 4u);
  clock_.advance(2000ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  EXPECT_EQ(transport_.on("/resend").size(), 2u);  // filled: no more requests
  EXPECT_EQ(verified_receipts(device, blocks), 5u);
}

TEST_F(GatewayTest, AReplayedBlockIsAnsweredAtABoundedRate) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  options_.batch_max_blocks = 1;
  options_.duplicate_answer_interval = 2000ms;
  auto gateway = make_gateway();
  auto block = device.seal_next(1);
  send(*gateway, device, block.encoded);
  ASSERT_EQ(transport_.on("/receipts").size(), 1u);
  for (int i = 0; i < 100; ++i) send(*gateway, device, block.encoded);
  EXPECT_EQ(transport_.on("/receipts").size(), 2u);  // the first replay only
  EXPECT_EQ(gateway->counters().duplicates, 100u);
  EXPECT_EQ(gateway->counters().duplicates_unanswered, 99u);
  clock_.advance(2000ms);
  send(*gateway, device, block.encoded);
  EXPECT_EQ(transport_.on("/receipts").size(), 3u);  // a device that lost it gets it again
  EXPECT_NE(gateway->metrics_text().find("vitalsign_blocks_duplicate_unanswered_total 99\n"),
            std::string::npos);
}

TEST_F(GatewayTest, AtItsStoreLimitItRefusesNewBlocksButAnchorsAndAnswersWhatItAccepted) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  options_.batch_max_blocks = 100;
  auto gateway = make_gateway();
  std::vector<chain::SealedBlock> blocks;
  for (int i = 0; i < 4; ++i) blocks.push_back(device.seal_next(4));
  for (std::size_t i = 0; i < 3; ++i) send(*gateway, device, blocks[i].encoded);
  ASSERT_EQ(gateway->counters().blocks_accepted, 3u);
  // Room to anchor the three queued blocks, not to take a fourth.
  std::uint64_t used = store_.usage().value().used_bytes;
  store_.set_limit_bytes(used + 3 * kAnchorRoomPerBlockBytes + 1024);
  send(*gateway, device, blocks[3].encoded);
  auto counters = gateway->counters();
  EXPECT_EQ(counters.blocks_accepted, 3u);
  EXPECT_EQ(counters.blocks_rejected["store_full"], 1u);
  EXPECT_EQ(ingest_.tip(device.id()).value()->height, 2u);  // the device keeps block 3
  // What it accepted is still anchored, and every receipt goes out.
  clock_.advance(1000ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  EXPECT_EQ(local_.size().value(), 1u);
  EXPECT_EQ(verified_receipts(device, blocks), 3u);
  EXPECT_EQ(gateway->counters().queued_blocks, 0u);
  std::string metrics = gateway->metrics_text();
  EXPECT_NE(metrics.find("vitalsign_blocks_rejected_total{reason=\"store_full\"} 1\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("vitalsign_store_limited_by_filesystem 0\n"), std::string::npos);
  // A duplicate of an accepted block is still answered.
  send(*gateway, device, blocks[0].encoded);
  EXPECT_EQ(gateway->counters().duplicates, 1u);
  EXPECT_EQ(verified_receipts(device, blocks), 4u);
  // And the gateway shuts down cleanly at its limit.
  EXPECT_TRUE(gateway->shutdown(0ms).ok());
}

TEST_F(GatewayTest, ADuplicateIsAnsweredWithTheStoredReceipt) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  options_.batch_max_blocks = 1;
  auto gateway = make_gateway();
  auto block = device.seal_next(1);
  send(*gateway, device, block.encoded);
  ASSERT_EQ(transport_.on("/receipts").size(), 1u);
  send(*gateway, device, block.encoded);
  auto receipts = transport_.on("/receipts");
  ASSERT_EQ(receipts.size(), 2u);
  EXPECT_EQ(receipts[0]->payload, receipts[1]->payload);  // idempotent
  EXPECT_EQ(local_.size().value(), 1u);
  EXPECT_EQ(gateway->counters().duplicates, 1u);
}

TEST_F(GatewayTest, ABlockSentAgainWithItsReceiptIsKeptAndAMalformedOneIsNamed) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  auto gateway = make_gateway();
  auto b0 = device.seal_next(1);
  send(*gateway, device, b0.encoded);
  clock_.advance(2000ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  auto receipts = transport_.on("/receipts");
  ASSERT_FALSE(receipts.empty());
  Bytes receipt = receipts.back()->payload;
  // The same block with its receipt on .../resent: a duplicate here, taken as one.
  std::string resent_topic = "vs/v1/" + device.id().hex() + "/resent";
  gateway->deliver(
      {resent_topic, proto::WireCodec::encode(proto::ResentBlock{b0.encoded, receipt}).value()});
  gateway->deliver({resent_topic, Bytes{0x0a, 0x02, 0x01}});
  ASSERT_TRUE(gateway->step(0ms).ok());
  auto counters = gateway->counters();
  EXPECT_EQ(counters.duplicates, 1u);
  EXPECT_EQ(counters.blocks_rejected["malformed"], 1u);
  EXPECT_NE(gateway->metrics_text().find("vitalsign_blocks_kept_anchored_total 0\n"),
            std::string::npos);
}

TEST_F(GatewayTest, RejectionsAndEquivocationAreCountedByReasonInTheMetrics) {
  vs::testing::TestDevice device, stranger;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  options_.device_series_limit = 10;
  auto gateway = make_gateway();
  auto b0 = device.seal_next(1);
  send(*gateway, device, b0.encoded);
  send(*gateway, stranger, stranger.seal_next(1).encoded);
  Bytes garbage{0x0a, 0xff, 0x01};
  send(*gateway, device, garbage);
  Bytes tampered = b0.encoded;
  tampered[tampered.size() / 2] ^= 0x01;
  send(*gateway, device, tampered);
  send(*gateway, device,
       device.seal_at(0, Digest{}, {vs::testing::heart_rate_entry(0, 140)}).encoded);
  auto counters = gateway->counters();
  EXPECT_EQ(counters.blocks_rejected["unknown_device"], 1u);
  EXPECT_EQ(counters.blocks_rejected["malformed"] + counters.blocks_rejected["bad_signature"] +
                counters.blocks_rejected["bad_content"],
            2u);
  EXPECT_EQ(counters.equivocations, 1u);
  EXPECT_TRUE(counters.devices.at(device.id()).equivocated);
  EXPECT_EQ(counters.devices.count(stranger.id()), 0u);  // unknown ids get no row
  std::string metrics = gateway->metrics_text();
  EXPECT_NE(metrics.find("vitalsign_blocks_rejected_total{reason=\"unknown_device\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("vitalsign_equivocations_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("vitalsign_device_tip_height{device=\"" + device.id().hex() + "\"} 0\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("# TYPE vitalsign_blocks_accepted_total counter\n"), std::string::npos);
}

// By default the fleet is a fixed set of series, whatever its size; per-device
// series only up to metrics.device_series devices, the rest counted.
TEST_F(GatewayTest, PerDeviceSeriesAreBoundedAndTheFleetIsAHistogram) {
  std::vector<vs::testing::TestDevice> devices(3);
  for (auto& device : devices) ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  auto gateway = make_gateway();
  for (auto& device : devices) send(*gateway, device, device.seal_next(1).encoded);
  clock_.advance(std::chrono::minutes(10));
  send(*gateway, devices[0], devices[0].seal_next(1).encoded);  // two silent for 10 minutes
  std::string metrics = gateway->metrics_text();
  EXPECT_EQ(metrics.find("{device="), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vitalsign_device_series_omitted 3\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE vitalsign_device_silence_seconds histogram\n"), std::string::npos);
  EXPECT_NE(metrics.find("vitalsign_device_silence_seconds_bucket{le=\"300\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("vitalsign_device_silence_seconds_bucket{le=\"900\"} 3\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("vitalsign_device_silence_seconds_count 3\n"), std::string::npos);

  options_.device_series_limit = 2;
  auto bounded = std::make_unique<Gateway>(options_, ingest_, anchorer_, ledger_, signer_, random_,
                                           &transport_, clock_);
  for (auto& device : devices) send(*bounded, device, device.seal_next(1).encoded);
  metrics = bounded->metrics_text();
  std::size_t series = 0;
  for (std::size_t at = metrics.find("vitalsign_device_tip_height{"); at != std::string::npos;
       at = metrics.find("vitalsign_device_tip_height{", at + 1))
    ++series;
  EXPECT_EQ(series, 2u) << metrics;
  EXPECT_NE(metrics.find("vitalsign_device_series_omitted 1\n"), std::string::npos) << metrics;
}

TEST_F(GatewayTest, ALedgerOutageIsRetriedLaterAndLosesNothing) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  auto gateway = make_gateway();
  std::vector<chain::SealedBlock> blocks{device.seal_next(1)};
  send(*gateway, device, blocks[0].encoded);
  ledger_.down = true;
  clock_.advance(1000ms);
  EXPECT_FALSE(gateway->step(0ms).ok());
  EXPECT_EQ(gateway->counters().ledger_errors, 1u);
  ledger_.down = false;
  clock_.advance(1000ms);
  ASSERT_TRUE(gateway->step(0ms).ok());  // not yet: waits anchor_retry
  EXPECT_EQ(local_.size().value(), 0u);
  clock_.advance(1000ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  EXPECT_EQ(local_.size().value(), 1u);
  EXPECT_EQ(verified_receipts(device, blocks), 1u);
}

// What /readyz reports: each of broker, store and ledger unready while it
// fails, with the reason, and ready again once it works.
TEST_F(GatewayTest, ReadinessFollowsTheBrokerTheStoreAndTheLedger) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  auto gateway = make_gateway();
  EXPECT_TRUE(gateway->readiness().ready());
  transport_.disconnect();
  GatewayReadiness readiness = gateway->readiness();
  EXPECT_FALSE(readiness.ready());
  EXPECT_FALSE(readiness.broker.ok);
  EXPECT_TRUE(readiness.store.ok && readiness.ledger.ok);
  transport_.connect();
  EXPECT_TRUE(gateway->readiness().ready());

  store_.fail_next_commits(1);
  chain::SealedBlock block = device.seal_next(1);
  send(*gateway, device, block.encoded);
  readiness = gateway->readiness();
  EXPECT_FALSE(readiness.store.ok);
  EXPECT_NE(readiness.store.detail.find("injected store failure"), std::string::npos)
      << readiness.store.detail;
  send(*gateway, device, block.encoded);  // the device's outbox sends it again
  EXPECT_TRUE(gateway->readiness().store.ok);

  ledger_.down = true;
  clock_.advance(1000ms);
  EXPECT_FALSE(gateway->step(0ms).ok());
  readiness = gateway->readiness();
  EXPECT_FALSE(readiness.ready());
  EXPECT_NE(readiness.ledger.detail.find("ledger is down"), std::string::npos)
      << readiness.ledger.detail;
  ledger_.down = false;
  clock_.advance(2000ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  EXPECT_TRUE(gateway->readiness().ready());
}

TEST_F(GatewayTest, BlocksQueuedBeforeARestartAreAnchoredAfterIt) {
  vs::testing::TestDevice device;
  ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  std::vector<chain::SealedBlock> blocks{device.seal_next(1), device.seal_next(1)};
  {
    auto gateway = make_gateway();
    send(*gateway, device, blocks[0].encoded);
    send(*gateway, device, blocks[1].encoded);
    // Gone without shutdown(): a kill.
  }
  auto restarted = make_gateway();
  EXPECT_EQ(restarted->counters().queued_blocks, 2u);
  clock_.advance(1000ms);
  ASSERT_TRUE(restarted->step(0ms).ok());
  EXPECT_EQ(local_.size().value(), 1u);
  EXPECT_EQ(verified_receipts(device, blocks), 2u);
}

TEST_F(GatewayTest, VerifyThreadsKeepEachDevicesOrderAndAnchorEverything) {
  options_.verify_threads = 2;
  options_.batch_max_blocks = 1000;
  std::vector<vs::testing::TestDevice> devices(5);
  for (auto& device : devices) ASSERT_TRUE(registry_.enrol(device.public_key()).ok());
  auto gateway = make_gateway();
  std::vector<std::vector<chain::SealedBlock>> blocks(devices.size());
  for (int round = 0; round < 6; ++round) {
    for (std::size_t d = 0; d < devices.size(); ++d) {
      blocks[d].push_back(devices[d].seal_next(2));
      gateway->deliver({"vs/v1/" + devices[d].id().hex() + "/blocks", blocks[d].back().encoded});
    }
  }
  for (int i = 0; i < 500 && gateway->counters().blocks_accepted < 30; ++i)
    ASSERT_TRUE(gateway->step(10ms).ok());
  auto counters = gateway->counters();
  EXPECT_EQ(counters.blocks_accepted, 30u);
  EXPECT_EQ(counters.held, 0u);  // in order: nothing waited for a gap
  clock_.advance(1000ms);
  ASSERT_TRUE(gateway->step(0ms).ok());
  EXPECT_EQ(local_.size().value(), 1u);
  for (std::size_t d = 0; d < devices.size(); ++d)
    EXPECT_EQ(verified_receipts(devices[d], blocks[d]), 6u) << "device " << d;
  ASSERT_TRUE(gateway->shutdown(0ms).ok());
}

TEST_F(GatewayTest, SharedSubscriptionWhenAGroupIsSet) {
  options_.shared_group = "gateways";
  auto gateway = make_gateway();
  EXPECT_EQ(transport_.subscriptions, (std::vector<std::string>{"$share/gateways/vs/v1/+/blocks",
                                                                "$share/gateways/vs/v1/+/resent"}));
}

}  // namespace
}  // namespace vs::gateway
