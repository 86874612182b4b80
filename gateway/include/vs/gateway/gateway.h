#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/cluster_lease.h"
#include "vs/gateway/duplicate_answer_limiter.h"
#include "vs/platform/clock.h"
#include "vs/platform/log_throttle.h"
#include "vs/platform/random.h"
#include "vs/platform/transport.h"

namespace vs::gateway {

struct GatewayOptions {
  std::string topic_prefix = "vs/v1";
  // When set, blocks are taken through the shared subscription
  // $share/<group>/<prefix>/+/blocks, so several gateways split the load.
  std::string shared_group;
  std::size_t batch_max_blocks = 1024;              // anchor when this many are queued
  std::chrono::milliseconds batch_max_age{1000};    // or when the oldest waited this long
  std::chrono::milliseconds resend_interval{2000};  // between requests for one gap
  // Duplicates answered with their receipt: one height at most once per
  // interval, and per device a burst then a steady rate.
  std::chrono::milliseconds duplicate_answer_interval{2000};
  double duplicate_answers_per_second = 50;
  double duplicate_answer_burst = 200;
  std::chrono::milliseconds anchor_retry{5000};    // after a ledger error
  std::chrono::milliseconds finality_check{1000};  // anchors on a chain: until final
  // 0: step() verifies what arrived. N: N threads verify, each device always
  // on the same one (its blocks stay in order); step() batches and anchors.
  std::size_t verify_threads = 0;
  // Per-device metric series (tip height, last seen) for at most this many
  // devices, the first by id; 0: none. Fleet-level series (the silence
  // histogram) cover every device whatever this is.
  std::size_t device_series_limit = 0;
};

struct DeviceActivity {
  std::optional<std::uint64_t> tip_height;
  std::uint64_t last_seen_ms = 0;  // wall time of the last block from it
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  bool equivocated = false;
};

struct GatewayCounters {
  std::uint64_t blocks_accepted = 0;
  std::map<std::string, std::uint64_t> blocks_rejected;  // by Rejection name
  std::uint64_t duplicates = 0;
  std::uint64_t duplicates_unanswered = 0;  // over the per-height or per-device bound
  // Blocks asked for again that came with this gateway's anchored receipt
  // (after a restore): kept without anchoring them again.
  std::uint64_t blocks_kept_anchored = 0;
  std::uint64_t held = 0;
  std::uint64_t equivocations = 0;
  std::uint64_t resend_requests = 0;
  std::uint64_t receipts_published = 0;
  std::uint64_t batches_anchored = 0;
  std::uint64_t batches_final = 0;
  std::uint64_t batches_reanchored = 0;  // a reorg dropped their transaction
  std::uint64_t last_batch_size = 0;
  std::uint64_t queued_blocks = 0;
  std::uint64_t ledger_errors = 0;
  std::uint64_t store_errors = 0;
  double anchor_seconds_sum = 0;
  std::uint64_t anchor_gas_used_total = 0;
  std::uint64_t last_anchor_gas_used = 0;
  bool anchoring = true;  // in a cluster: this gateway holds the anchor lease
  std::map<chain::DeviceId, DeviceActivity> devices;
};

// What a readiness probe (/readyz) is told: each part the gateway needs to
// do its work, and whether it works now.
struct GatewayReadiness {
  struct Check {
    bool ok = true;
    std::string detail;
  };
  Check broker;  // connected
  Check store;   // its last write succeeded (a failed commit: until one succeeds)
  Check ledger;  // its last anchor or finality check succeeded (or none was due yet)
  bool ready() const { return broker.ok && store.ok && ledger.ok; }
};

// The gateway daemon's loop: blocks from every device are verified and
// followed (BlockIngest), queued and anchored in batches (BatchAnchorer), and
// answered with receipts on each device's receipts topic. A gap is answered
// with a resend request, repeated until filled; a duplicate with its stored
// receipt. One thread calls step(); the transport only queues messages for
// it or for the verify threads. Counters can be read from any thread (the
// metrics endpoint).
class Gateway {
 public:
  // `signer` (the gateway key) signs resend requests, `random` makes their
  // nonces; both are used only by the thread that calls step().
  Gateway(const GatewayOptions& options, BlockIngest& ingest, BatchAnchorer& anchorer,
          Ledger& ledger, chain::ReceiptSigner& signer, platform::Random& random,
          platform::Transport* transport, const platform::Clock& clock);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  Status start(const platform::TransportOptions& transport_options);
  // Handles what arrived (waiting at most max_wait for something), asks
  // again for gaps, anchors when the batch is full or old enough.
  Status step(std::chrono::milliseconds max_wait);
  // Queues a message as if the broker had delivered it.
  void deliver(platform::TransportMessage message);
  // Anchors what is queued (if the ledger answers) and disconnects.
  Status shutdown(std::chrono::milliseconds drain);
  // One of a cluster on a shared state: beats the lease at every step and
  // anchors (the whole cluster's queue) only while holding it.
  void anchor_by_lease(ClusterLease& lease) {
    lease_ = &lease;
    counters_.anchoring = false;
  }

  GatewayCounters counters() const;
  // The counters in the Prometheus text exposition format (0.0.4).
  std::string metrics_text() const;
  // From any thread, like counters().
  GatewayReadiness readiness() const;

 private:
  // Alone: always. In a cluster: beats the lease when due; holds it?
  bool is_anchorer(std::chrono::steady_clock::time_point now);
  // The batch is full, or the oldest queued block waited long enough.
  bool anchor_due(std::chrono::steady_clock::time_point now);
  struct Gap {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::chrono::steady_clock::time_point last_asked;
    bool ask_now = false;  // a new gap: asked at the next step, then once per interval
  };

  struct Worker {
    explicit Worker(const BlockIngest& prototype) : ingest(prototype) {}
    BlockIngest ingest;  // its own: BlockIngest is stateless over the shared store
    std::mutex mutex;
    std::condition_variable ready;
    std::vector<platform::TransportMessage> queue;
    std::thread thread;
  };

  // A topic's device id and leaf ("blocks", "resent").
  std::pair<std::string_view, std::string_view> topic_parts(std::string_view topic) const;
  void handle(std::span<const platform::TransportMessage> messages, BlockIngest& ingest);
  void record(const platform::TransportMessage& message, const IngestResult& result);
  // record()'s parts, each taking the one lock it needs.
  void count(const IngestResult& result, std::uint64_t now_ms);
  void follow_accepted(const IngestResult& result, const std::string& who);
  void answer_duplicate(const IngestResult& result);
  void note_gap(const IngestResult& result, const std::string& who);
  void work(Worker& worker);
  void stop_workers();
  void ask_resend(const chain::DeviceId& device, std::uint64_t from, std::uint64_t to);
  void ask_for_gaps();
  Status anchor_queued();
  Status confirm_anchored();
  void publish(const chain::DeviceId& device, std::string_view leaf, ByteView payload);

  GatewayOptions options_;
  BlockIngest& ingest_;
  BatchAnchorer& anchorer_;
  Ledger& ledger_;
  chain::ReceiptSigner& signer_;
  platform::Random& random_;
  platform::Transport* transport_;
  const platform::Clock& clock_;

  std::mutex inbound_mutex_;
  std::condition_variable inbound_ready_;
  std::vector<platform::TransportMessage> inbound_;

  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> batch_full_{false};
  std::atomic<bool> gap_opened_{false};

  // gaps_, duplicate_answers_ and oldest_queued_at_, touched by the verify threads
  std::mutex state_mutex_;
  std::map<chain::DeviceId, Gap> gaps_;
  DuplicateAnswerLimiter duplicate_answers_;
  std::optional<std::chrono::steady_clock::time_point> oldest_queued_at_;
  std::optional<std::chrono::steady_clock::time_point> retry_anchor_at_;
  std::chrono::steady_clock::time_point last_finality_check_{};
  ClusterLease* lease_ = nullptr;
  std::chrono::steady_clock::time_point next_beat_{};
  std::chrono::steady_clock::time_point last_anchor_{};

  // Anyone can send blocks: their rejections are counted exactly, logged
  // at most 10 per reason per 10 s.
  platform::LogThrottle rejections_log_{10, std::chrono::seconds(10)};

  mutable std::mutex counters_mutex_;
  // Under counters_mutex_: why the store or the ledger failed last, until
  // they next succeed (empty: working).
  std::string store_problem_;
  std::string ledger_problem_;
  GatewayCounters counters_;
};

}  // namespace vs::gateway
