// A gateway for agent integration tests, over a real broker, built from the
// gateway library itself: BlockIngest verifies and follows each device's
// chain (holding blocks past a gap, which happens around a reconnect when
// Paho retransmits in-flight messages while the agent republishes from its
// store), BatchAnchorer anchors every accepted block at once on a LocalLedger
// and signs its receipt. What the daemon adds (batching windows, persistence
// of the pending batch, resend timers) is not here.
#pragma once

#include <atomic>
#include <map>
#include <mutex>

#include "fakes/memory_store.h"
#include "test_log_key.h"
#include "vs/chain/receipt_signer.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/paho_transport.h"
#include "vs/proto/wire_codec.h"

namespace vs::testing {

class TestGateway {
 public:
  TestGateway()
      : key_(platform::MbedtlsSigner::generate().value()),
        ingest_(*state_, sha_, keys_, clock_),
        registry_(*state_, sha_, keys_),
        ledger_(*state_, sha_, vs::testing::test_log_key("test/gateway")),
        signer_(sha_, *key_),
        anchorer_(*state_, sha_, ledger_, signer_) {}
  ~TestGateway() { transport_.stop(std::chrono::milliseconds(100)); }

  std::string public_key_pem() const { return key_->public_key_pem().value(); }

  void enrol(ByteView device_public_key) {
    std::lock_guard lock(mutex_);
    (void)registry_.enrol(device_public_key).value();
  }

  Status start(platform::TransportOptions options, const std::string& prefix = "vs/v1") {
    prefix_ = prefix;
    VS_TRY(transport_.start(
        options, [this](platform::TransportMessage message) { on_block(std::move(message)); },
        [this](bool connected) {
          if (!connected) ++connections_lost_;
        }));
    return transport_.subscribe(prefix + "/+/blocks", 1);
  }
  void stop() { transport_.stop(std::chrono::milliseconds(200)); }
  bool connected() const { return transport_.connected(); }
  // Times the broker connection was lost since start().
  int connections_lost() const { return connections_lost_; }

  struct Seen {
    std::uint64_t verified_blocks = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t rejected = 0;
    std::optional<std::uint64_t> tip;
    std::string last_rejection;
  };
  Seen seen(const std::string& device_hex) {
    std::lock_guard lock(mutex_);
    Seen out = seen_[device_hex];
    auto device = chain::DeviceId::from_hex(device_hex);
    if (device) {
      if (auto tip = ingest_.tip(*device); tip && *tip) out.tip = (*tip)->height;
    }
    return out;
  }

 private:
  void on_block(platform::TransportMessage message) {
    // topic: <prefix>/<device>/blocks
    std::string rest = message.topic.substr(prefix_.size() + 1);
    std::string device_hex = rest.substr(0, rest.find('/'));
    std::lock_guard lock(mutex_);
    Seen& seen = seen_[device_hex];
    auto result = ingest_.ingest(device_hex, message.payload);
    if (!result) {
      ++seen.rejected;
      seen.last_rejection = result.error().message();
      return;
    }
    switch (result->kind) {
      case gateway::IngestResult::Kind::kAccepted:
        seen.verified_blocks += result->accepted.size();
        publish_receipts();
        break;
      case gateway::IngestResult::Kind::kDuplicate: {
        ++seen.duplicates;
        auto stored = anchorer_.receipt(result->device, result->height);
        if (stored && *stored) publish(device_hex, "receipts", **stored);  // idempotent
        break;
      }
      case gateway::IngestResult::Kind::kHeld:
        break;  // the agent republishes from its store; the gap fills
      case gateway::IngestResult::Kind::kEquivocation:
      case gateway::IngestResult::Kind::kRejected:
        ++seen.rejected;
        seen.last_rejection = result->detail;
        break;
    }
  }

  void publish_receipts() {
    auto issued = anchorer_.anchor(0, 100'000);
    if (!issued) return;
    for (const gateway::IssuedReceipt& receipt : *issued)
      publish(receipt.item.device.hex(), "receipts", receipt.receipt);
  }

  void publish(const std::string& device_hex, const std::string& leaf, const Bytes& payload) {
    (void)transport_.publish(prefix_ + "/" + device_hex + "/" + leaf, payload, 1, false, nullptr);
  }

  std::unique_ptr<platform::MbedtlsSigner> key_;
  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory keys_;
  MemoryStore store_{gateway::kGatewayTableNames.size()};
  std::unique_ptr<gateway::GatewayState> state_ = gateway::make_key_value_gateway_state(store_);
  platform::SystemClock clock_;
  gateway::BlockIngest ingest_;
  gateway::DeviceRegistry registry_;
  gateway::LocalLedger ledger_;
  chain::ReceiptSigner signer_;
  gateway::BatchAnchorer anchorer_;
  platform::PahoTransport transport_;
  std::string prefix_;
  std::mutex mutex_;
  std::map<std::string, Seen> seen_;
  std::atomic<int> connections_lost_{0};
};

}  // namespace vs::testing
