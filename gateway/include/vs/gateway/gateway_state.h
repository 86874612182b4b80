// The gateway's state behind one interface of its own: devices, chain tips,
// accepted and held blocks, equivocation evidence, the queue of blocks
// waiting for a batch, batches whose anchor is not yet final, receipts,
// anchors, the local ledger's entries and the access log. Ingest, the
// anchorer, the ledger, the exports and the tools see only this; how it is
// kept is the backend's business (gateway/README.md lists them).
//
// Concurrency contract, for every backend: all writes go through a
// GatewayTransaction. Its reads see one state (taken at its first read)
// plus its own writes; commit() applies all of them or none. A transaction
// that has read may hold a database reader or lock until it commits: wait
// on nothing slow (an outside ledger, the network) between its first read
// and its commit. A backend shared by several gateways must make commit()
// fail with kConflict, changing nothing, when a write would break an
// invariant another writer's commit now holds (the same (device, height)
// accepted twice, the same block queued or a batch id taken twice); the
// caller then begins again and redoes its reads. The embedded backend has
// one writer at a time and never conflicts.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "vs/chain/chain_verifier.h"
#include "vs/chain/device_id.h"
#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/store.h"
#include "vs/proto/receipt.h"

namespace vs::gateway {

// A device as the registry knows it.
struct DeviceRecord {
  bool revoked = false;
  bool equivocated = false;  // signed two blocks at one height: evidence kept
  std::vector<Bytes> public_keys;
};

// One leaf of a batch: an accepted block (or an access record) by its hash.
struct BatchItem {
  chain::DeviceId device;
  std::uint64_t height = 0;
  Digest block_hash{};
};

// A block waiting for a batch, oldest arrival first.
struct QueuedBlock {
  std::uint64_t arrival_ms = 0;
  BatchItem item;
};

// A batch whose anchor may still be undone by a reorganisation.
struct OpenBatch {
  std::uint64_t batch_id = 0;
  Digest root{};
  std::vector<BatchItem> items;  // block hashes are not kept here: the receipts hold them
};

// What one anchor was, for operators.
struct AnchorRecord {
  std::uint64_t batch_id = 0;
  std::uint64_t time_ms = 0;
  std::uint64_t blocks = 0;
  std::uint64_t cost = 0;  // gas, on a chain
  proto::LedgerRef ledger;
  Bytes encode() const;
  static Result<AnchorRecord> decode(std::uint64_t batch_id, ByteView bytes);
};

// One stored access record: its text, exactly as hashed and anchored.
struct StoredAccess {
  std::uint64_t time_ms = 0;
  std::string text;
};

// A batch about to be anchored on an outside ledger, kept durably before
// its transaction is sent: a gateway that dies after sending it (this one
// after a restart, or another after a takeover) anchors the same blocks
// with the very same transaction, which the chain takes once.
struct AnchorIntent {
  std::uint64_t batch_id = 0;
  Digest root{};
  std::vector<QueuedBlock> blocks;
  Bytes prepared;  // the ledger's transaction, ready to send (again)
};

// One gateway of a cluster, as its last heartbeat shows it.
struct ClusterMember {
  std::string name;
  std::uint64_t heartbeat_ms = 0;  // its wall clock
};

// Which gateway anchors, and until when (by its wall clock).
struct AnchorLease {
  std::string holder;
  std::uint64_t expires_ms = 0;
};

// Reads, each seeing one consistent state.
class GatewayStateReader {
 public:
  virtual ~GatewayStateReader() = default;

  virtual Result<std::optional<DeviceRecord>> device(const chain::DeviceId& device) const = 0;
  // Every enrolled device, in id order.
  virtual Result<std::vector<std::pair<chain::DeviceId, DeviceRecord>>> devices() const = 0;
  virtual Result<std::optional<Bytes>> certificate(const chain::DeviceId& device) const = 0;
  virtual Result<std::optional<chain::ChainTip>> tip(const chain::DeviceId& device) const = 0;

  // An accepted block, as it arrived.
  virtual Result<std::optional<Bytes>> block(const chain::DeviceId& device,
                                             std::uint64_t height) const = 0;
  // Up to `limit` accepted blocks of one device from `from_height` on, in
  // height order.
  virtual Result<std::vector<std::pair<std::uint64_t, Bytes>>> blocks(const chain::DeviceId& device,
                                                                      std::uint64_t from_height,
                                                                      std::size_t limit) const = 0;
  virtual Result<std::optional<Bytes>> held(const chain::DeviceId& device,
                                            std::uint64_t height) const = 0;
  virtual Result<std::uint64_t> held_count(const chain::DeviceId& device) const = 0;
  // The second blocks kept at heights where the device signed two.
  virtual Result<std::vector<Bytes>> evidence(const chain::DeviceId& device) const = 0;

  // Up to `limit` queued blocks, oldest arrival first.
  virtual Result<std::vector<QueuedBlock>> queue(std::size_t limit) const = 0;
  virtual Result<std::uint64_t> queue_size() const = 0;
  // The latest receipt for a block, as published.
  virtual Result<std::optional<Bytes>> receipt(const chain::DeviceId& device,
                                               std::uint64_t height) const = 0;
  virtual Result<std::uint64_t> next_batch_id() const = 0;  // 1 on a new gateway
  virtual Result<std::vector<OpenBatch>> open_batches(std::size_t limit) const = 0;
  virtual Result<std::uint64_t> open_batch_count() const = 0;
  // Up to `limit` anchors from batch `from_batch_id` on, in batch order.
  virtual Result<std::vector<AnchorRecord>> anchors(std::uint64_t from_batch_id,
                                                    std::size_t limit) const = 0;

  virtual Result<std::uint64_t> ledger_size() const = 0;
  virtual Result<std::optional<Bytes>> ledger_entry(std::uint64_t index) const = 0;
  // Up to `limit` local ledger entries from `from_index` on.
  virtual Result<std::vector<Bytes>> ledger_entries(std::uint64_t from_index,
                                                    std::size_t limit) const = 0;
  // Every access record, oldest first.
  virtual Result<std::vector<StoredAccess>> access_records() const = 0;
  // The gateways that ever beat, by name; the anchorer's lease, if taken.
  virtual Result<std::vector<ClusterMember>> members() const = 0;
  virtual Result<std::optional<AnchorLease>> anchor_lease() const = 0;
  virtual Result<std::optional<AnchorIntent>> anchor_intent() const = 0;
};

// Writes that land together or not at all (see the contract above).
class GatewayTransaction : public GatewayStateReader {
 public:
  virtual void put_device(const chain::DeviceId& device, const DeviceRecord& record) = 0;
  virtual void put_certificate(const chain::DeviceId& device, ByteView certificate_der) = 0;
  virtual void put_tip(const chain::DeviceId& device, const chain::ChainTip& tip) = 0;
  virtual void put_block(const chain::DeviceId& device, std::uint64_t height,
                         ByteView block_bytes) = 0;
  virtual void hold(const chain::DeviceId& device, std::uint64_t height, ByteView block_bytes) = 0;
  virtual void release_held(const chain::DeviceId& device, std::uint64_t height) = 0;
  virtual void put_evidence(const chain::DeviceId& device, std::uint64_t height,
                            const Digest& block_hash, ByteView block_bytes) = 0;
  virtual void enqueue(const QueuedBlock& queued) = 0;
  virtual void dequeue(const QueuedBlock& queued) = 0;
  // A restore only: forgets an accepted block above the tip a restored state
  // is rewound to, with its receipt (the device sends both again), or the
  // device's tip when its chain is rewound to nothing.
  virtual void forget_block(const chain::DeviceId& device, std::uint64_t height) = 0;
  virtual void forget_tip(const chain::DeviceId& device) = 0;
  virtual void put_receipt(const chain::DeviceId& device, std::uint64_t height,
                           ByteView receipt) = 0;
  virtual void set_next_batch_id(std::uint64_t batch_id) = 0;
  virtual void open_batch(const OpenBatch& batch) = 0;
  virtual void close_batch(std::uint64_t batch_id) = 0;
  virtual void put_anchor(const AnchorRecord& anchor) = 0;
  virtual void put_ledger_entry(std::uint64_t index, ByteView entry) = 0;
  // `order` breaks ties between records of one millisecond.
  virtual void put_access(std::uint64_t time_ms, std::uint64_t order, std::string_view text) = 0;
  virtual void put_member(const ClusterMember& member) = 0;
  virtual void put_anchor_lease(const AnchorLease& lease) = 0;
  virtual void put_anchor_intent(const AnchorIntent& intent) = 0;
  virtual void clear_anchor_intent() = 0;

  // A hint for a backend whose reads are round trips: these devices'
  // records and tips will be read, then the blocks held at the `held_depth`
  // heights past each tip. One round trip for each of the two, instead of
  // one per read; reads stay right without it.
  virtual Status read_ahead(std::span<const chain::DeviceId> devices, std::size_t held_depth) = 0;

  // About how many bytes the writes so far add (for the store's reserve).
  virtual std::uint64_t staged_bytes() const = 0;
  virtual bool empty() const = 0;
  // `durable`: survives a power cut once this returns (receipts go out only
  // for what does); otherwise it survives a crash of the process.
  virtual Status commit(bool durable) = 0;
};

class GatewayState : public GatewayStateReader {
 public:
  virtual Result<std::unique_ptr<GatewayTransaction>> begin() = 0;
  // One consistent view for many reads (an audit while the gateway runs).
  virtual Result<std::unique_ptr<GatewayStateReader>> snapshot() const = 0;
  virtual Result<platform::StoreUsage> usage() const = 0;
};

// Runs `attempt` (which begins its own transaction, reads and commits) again
// while it fails with kConflict: another gateway's commit won a race, and
// redoing the reads sees it. The embedded backend never conflicts.
// Between attempts it waits a little, at random and longer each time, so
// that gateways racing for the same rows do not collide again at once.
template <typename Attempt>
auto retry_on_conflict(Attempt&& attempt) -> decltype(attempt()) {
  constexpr int kAttempts = 16;
  thread_local std::minstd_rand jitter(
      static_cast<unsigned>(std::hash<std::thread::id>()(std::this_thread::get_id())));
  for (int tried = 1;; ++tried) {
    auto result = attempt();
    if (result || result.error().code() != ErrorCode::kConflict || tried == kAttempts)
      return result;
    auto most_us = 100U << std::min(tried, 8);  // 0.2 ms, doubling, at most 25.6 ms
    std::this_thread::sleep_for(std::chrono::microseconds(jitter() % most_us));
  }
}

// Visits one device's accepted blocks from `from_height` on, in height
// order, a page at a time, while `visit(height, block_bytes)` returns true;
// its error ends the walk and is returned.
template <typename Visit>
Status for_each_block(const GatewayStateReader& state, const chain::DeviceId& device,
                      std::uint64_t from_height, Visit&& visit) {
  constexpr std::size_t kPage = 256;
  for (std::uint64_t next = from_height;;) {
    VS_TRY_ASSIGN(auto page, state.blocks(device, next, kPage));
    for (const auto& [height, bytes] : page) {
      VS_TRY_ASSIGN(bool more, visit(height, ByteView(bytes)));
      if (!more) return {};
    }
    if (page.size() < kPage) return {};
    next = page.back().first + 1;
  }
}

}  // namespace vs::gateway
