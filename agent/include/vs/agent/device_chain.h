#pragma once

#include <optional>
#include <span>
#include <variant>

#include "vs/chain/block_sealer.h"
#include "vs/chain/chain_verifier.h"
#include "vs/chain/device_id.h"
#include "vs/platform/random.h"
#include "vs/platform/sha256.h"
#include "vs/platform/signer.h"
#include "vs/platform/store.h"
#include "vs/platform/store_format.h"
#include "vs/proto/entry.h"
#include "vs/proto/receipt.h"

namespace vs::agent {

// The agent's tables in its Store.
enum AgentTable : platform::TableId {
  kPendingTable = 0,   // seq -> committed entry waiting to be sealed
  kBlocksTable = 1,    // height -> encoded Block
  kReceiptsTable = 2,  // height -> encoded Receipt (verified)
  kMetaTable = 3,      // name -> value
};
inline const std::vector<std::string> kAgentTableNames{"pending", "blocks", "receipts", "meta"};
// The layout of these tables and their keys; a store written in another
// format is refused, never misread.
inline constexpr platform::StoreFormat kAgentStoreFormat{"agent store", kMetaTable, 1};

using EntryBody = std::variant<proto::Reading, proto::Event>;

// An entry as committed: what the live topic carries.
struct RecordedEntry {
  std::uint64_t seq = 0;
  Bytes bytes;      // the exact encoded Entry
  Bytes signature;  // empty when not signed per entry
};

struct AnchorRef {
  std::uint64_t batch_id = 0;
  Digest batch_root{};
};

// What a reader (a tool, a test) sees of a device chain's store, without
// opening it for writing.
struct ChainSnapshot {
  Bytes first_public_key;  // empty when the store was never used
  std::uint64_t next_seq = 0;
  std::optional<chain::ChainTip> tip;
  std::uint64_t retired_below = 0;
  std::uint64_t pruned_below = 0;
  std::uint64_t pending_entries = 0;
};

// The device's chain, kept in a Store: the one place that assigns seq,
// commits entries, seals blocks and retires anchored ones. Every change is
// one atomic batch, so a crash at any instant leaves the state before or
// after it: no gap, no fork, no reused seq. Not thread-safe: one owner.
class DeviceChain {
 public:
  // Opens (or starts) the chain kept in `store`. The blinding secret is made
  // on first open and kept in the store's metadata.
  static Result<std::unique_ptr<DeviceChain>> open(platform::Store& store, platform::Signer& signer,
                                                   const platform::Sha256& sha,
                                                   platform::Random& random);

  // Reads the chain's state from a store, changing nothing.
  static Result<ChainSnapshot> inspect(const platform::StoreReader& store);
  // Committed, unsealed entries from `from_seq` on, in seq order.
  static Result<std::vector<chain::PendingEntry>> read_pending(const platform::StoreReader& store,
                                                               std::uint64_t from_seq,
                                                               std::size_t limit);

  // Assigns the next seq, encodes, signs (when asked) and commits one entry.
  // kNoSpace when the store is full even after pruning anchored blocks:
  // the reading is refused, nothing else changes.
  Result<RecordedEntry> record(const EntryBody& body, std::uint64_t time_ms, bool sign_entry);

  // Group commit: several entries, one batch. All or none are taken.
  struct NewEntry {
    EntryBody body;
    std::uint64_t time_ms = 0;
    bool sign = true;
  };
  Result<std::vector<RecordedEntry>> record_all(std::span<const NewEntry> items);

  // Moves up to max_entries pending entries into a new signed block, in one
  // batch. nullopt when nothing is pending.
  Result<std::optional<chain::SealedBlock>> seal(std::uint64_t now_ms, proto::SealReason reason,
                                                 std::size_t max_entries);

  // Stores a receipt the caller has verified; anchored and final receipts
  // retire their block (it may then be pruned). Receipts only move forward:
  // pending -> anchored -> final, or anchored again in a later batch after a
  // reorg. The same receipt again writes nothing (kUnchanged); an older or
  // sideways one (a replay) is refused with kConflict and the held one kept.
  enum class ReceiptOutcome { kStored, kUnchanged };
  Result<ReceiptOutcome> accept_receipt(std::uint64_t height, ByteView receipt,
                                        const proto::ReceiptBody& body);

  // Deletes up to max_blocks retired blocks, oldest first. Returns how many.
  Result<std::uint64_t> prune_retired(std::uint64_t max_blocks);

  Result<std::optional<Bytes>> block(std::uint64_t height) const;
  Result<std::optional<Bytes>> receipt(std::uint64_t height) const;
  // Whether the receipt held for `height` says its block is anchored (or
  // final); false with no receipt or a pending one.
  Result<bool> has_anchored_receipt(std::uint64_t height) const;

  const chain::DeviceId& device_id() const { return device_id_; }
  std::uint64_t next_seq() const { return next_seq_; }
  std::uint64_t pending_entries() const { return pending_count_; }
  const std::optional<chain::ChainTip>& tip() const { return tip_; }
  // Heights below this have verified anchored receipts.
  std::uint64_t retired_below() const { return retired_below_; }
  // Heights below this have been pruned.
  std::uint64_t pruned_below() const { return pruned_below_; }
  std::uint64_t backlog_blocks() const { return tip_ ? tip_->height + 1 - retired_below_ : 0; }
  const std::optional<AnchorRef>& newest_anchor() const { return anchor_; }
  // Readings refused for lack of space since the last gap event.
  std::uint64_t refused_readings() const { return refused_; }

 private:
  DeviceChain(platform::Store& store, platform::Signer& signer, const platform::Sha256& sha)
      : store_(store), signer_(signer), sha_(sha) {}
  Status load(platform::Random& random);
  Status commit_with_room(const platform::WriteBatch& batch);
  Status note_refused();

  platform::Store& store_;
  platform::Signer& signer_;
  const platform::Sha256& sha_;
  chain::DeviceId device_id_;
  Bytes secret_;
  std::uint32_t key_index_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t pending_count_ = 0;
  std::optional<chain::ChainTip> tip_;
  std::uint64_t retired_below_ = 0;
  std::uint64_t pruned_below_ = 0;
  std::optional<AnchorRef> anchor_;
  std::uint64_t refused_ = 0;
};

}  // namespace vs::agent
