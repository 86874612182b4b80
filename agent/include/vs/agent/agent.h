#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "vs/agent/agent_config.h"
#include "vs/agent/device_chain.h"
#include "vs/agent/outbox_window.h"
#include "vs/agent/receipt_intake.h"
#include "vs/agent/resend_guard.h"
#include "vs/agent/seal_policy.h"
#include "vs/agent/sensor.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/platform/clock.h"
#include "vs/platform/log_throttle.h"
#include "vs/platform/store.h"
#include "vs/platform/transport.h"

namespace vs::agent {

struct AgentCounters {
  std::uint64_t readings_recorded = 0;
  std::uint64_t readings_refused = 0;  // storage full
  std::uint64_t record_errors = 0;     // other store failures
  std::uint64_t blocks_sealed = 0;
  std::uint64_t blocks_published = 0;  // PUBACKed
  std::uint64_t publish_failures = 0;
  std::uint64_t receipts_accepted = 0;
  std::uint64_t receipts_rejected = 0;  // failed verification: the block stays
  std::uint64_t receipts_stale = 0;     // verified but older than the held one (also rejected)
  std::uint64_t receipts_repeated = 0;  // the held receipt again: nothing written
  std::uint64_t resend_requests = 0;    // verified, fresh and new
  std::uint64_t resend_refused = 0;     // unsigned, forged, stale, replayed or for another device
  std::uint64_t blocks_resent = 0;      // published again on a resend request or a receipt chase
  std::uint64_t receipt_timeouts = 0;   // blocks published again for want of a receipt
  std::uint64_t clock_adjustments = 0;
  std::uint64_t key_rotations = 0;
  std::uint64_t key_rotations_refused = 0;  // the named key could not be loaded or used
};

// Loads a key of the board's key store by name (a key rotation's new key).
using KeyLoader = std::function<Result<std::unique_ptr<platform::Signer>>(std::string_view name)>;

// The device daemon's loop: sample -> sign -> commit -> seal -> publish ->
// reconcile receipts. One thread calls step(); the transport's callbacks only
// queue events for it, so DeviceChain has a single owner. The LMDB chain is
// the outbox: blocks are published from it in height order within a window,
// again after every reconnect from the oldest unretired height, and retired
// only by a receipt that verifies.
class Agent {
 public:
  Agent(const AgentConfig& config, DeviceChain& chain, platform::Store& store,
        agent::Sensor& sensor, platform::Transport* transport, const platform::Clock& clock,
        const platform::Sha256& sha, const chain::ReceiptVerifier* receipts);

  // Connects the uplink (when there is one) and subscribes to this device's
  // receipts and resend requests.
  Status start(const platform::TransportOptions& transport_options);
  // One turn of the loop; waits at most max_wait for the sensor.
  Status step(std::chrono::milliseconds max_wait);
  // Seals what is pending, syncs, says offline, disconnects.
  Status shutdown(std::chrono::milliseconds drain);

  // How a key rotation asked for through the inbox ("key_rotation NAME")
  // finds its new key; without one such a request is refused.
  void set_key_loader(KeyLoader loader) { key_loader_ = std::move(loader); }

  const AgentCounters& counters() const { return counters_; }
  std::string topic(std::string_view leaf) const;
  bool storage_alarm() const { return storage_alarm_; }

 private:
  struct Inbound {
    enum class Kind { kMessage, kPublished, kConnection } kind;
    platform::TransportMessage message;
    std::uint64_t height = 0;
    Status result;
    bool connected = false;
  };

  // Readings are held until their commit is due: at once with durability
  // "every_commit"; with "group", when the window since the first held one
  // has passed, a block's worth is held (memory stays bounded when the
  // sensor floods), an alarm-flagged reading arrived, the seal age has come
  // or receipts have been held a window. With "group" the readings, the
  // blocks due and the held receipts are one transaction (commit_window);
  // with "every_commit" the readings are one (record), each block another.
  void hold(agent::SensorSample sample, std::uint64_t time_ms, bool sign);
  void take(const std::vector<agent::SensorSample>& samples);
  // A key rotation asked for: what was held is committed, then the rotation
  // event and every pending entry are sealed with the current key, and the
  // chain signs with the new one from the next block.
  void rotate_key(const std::string& key_name);
  bool commit_due() const;
  Status commit_held();
  void record(std::span<const DeviceChain::NewEntry> items);
  // Counts and announces committed entries and sealed blocks.
  void took(const std::vector<RecordedEntry>& recorded);
  void sealed(const chain::SealedBlock& block);
  // How long the sensor may be waited for: the seal's age and the window.
  std::chrono::milliseconds sensor_wait(std::chrono::milliseconds max_wait) const;
  Status seal(proto::SealReason reason);
  // A seal the full store refused raises the storage alarm instead of
  // stopping the loop.
  Status seal_unless_full(proto::SealReason reason);
  void refuse_readings(std::size_t count, const std::string& why);
  void handle(Inbound event);
  void handle_receipt(const Bytes& payload);
  void handle_resend(const Bytes& payload);
  // A proto::ResentBlock of `block` and its anchored receipt, when this
  // device holds one for `height`.
  std::optional<Bytes> with_anchored_receipt(std::uint64_t height, const Bytes& block);
  void pump_uplink();
  void publish_status(bool online);
  void push(Inbound event);
  void watch_clock();
  void chase_receipts();
  std::optional<std::uint64_t> tip_height() const;

  AgentConfig config_;
  DeviceChain& chain_;
  platform::Store& store_;
  agent::Sensor& sensor_;
  platform::Transport* transport_;
  const platform::Clock& clock_;
  const chain::ReceiptVerifier* receipts_;
  std::string device_hex_;
  KeyLoader key_loader_;
  std::unique_ptr<platform::Signer> rotated_key_;  // the chain's key after a rotation

  std::mutex inbound_mutex_;
  std::deque<Inbound> inbound_;

  bool connected_ = false;
  OutboxWindow outbox_;
  ResendGuard resend_guard_;
  ReceiptIntake receipt_intake_;
  SealPolicy seal_policy_;
  std::vector<DeviceChain::NewEntry> held_;
  std::chrono::steady_clock::time_point held_since_;  // when the first held one arrived
  // Group durability: verified receipts wait for the next window's
  // transaction, at most a window or this many.
  static constexpr std::size_t kMaxHeldReceipts = 1024;
  std::chrono::steady_clock::time_point receipts_held_since_;
  bool held_alarm_ = false;
  std::chrono::steady_clock::time_point last_status_;
  std::optional<std::int64_t> wall_minus_steady_ms_;
  bool storage_alarm_ = false;
  // Whoever can write this device's topics can send it anything: refusals
  // are counted exactly, logged at most 10 per kind per 10 s.
  platform::LogThrottle refusals_log_{10, std::chrono::seconds(10)};
  AgentCounters counters_;
};

}  // namespace vs::agent
