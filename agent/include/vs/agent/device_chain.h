#pragma once

#include <functional>
#include <map>
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
  std::string key_name;  // the signing key after a rotation; empty: the first
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

  // Several entries, one batch. All or none are taken.
  struct NewEntry {
    EntryBody body;
    std::uint64_t time_ms = 0;
    bool sign = true;
  };
  Result<std::vector<RecordedEntry>> record_all(std::span<const NewEntry> items);

  // A key rotation, in one batch: the event announcing `next` (its public
  // key and the next key index) recorded and signed by the current key,
  // every pending entry sealed with it into blocks signed by the current
  // key (the last one ends with the event), and the new key's index, name
  // and public key kept in the store's metadata. Then the chain signs with
  // `next`, which must outlive it. Nothing changes on error.
  Result<std::vector<chain::SealedBlock>> rotate_key(platform::Signer& next,
                                                     std::string_view key_name,
                                                     std::uint64_t now_ms, std::size_t max_entries);
  std::uint32_t key_index() const { return key_index_; }

  // Moves up to max_entries pending entries into a new signed block, in one
  // batch. nullopt when nothing is pending.
  Result<std::optional<chain::SealedBlock>> seal(std::uint64_t now_ms, proto::SealReason reason,
                                                 std::size_t max_entries);

  // Group durability: a window's entries, the blocks due and the receipts
  // held since the last commit, in one batch, so that a window costs one
  // transaction's pages and not three. `seal_due(pending)` is asked after
  // the entries and after each block: the reason to seal one more, or none.
  // kNoSpace changes nothing (the caller then commits the parts one by one,
  // receipts first: they make room).
  using SealDue = std::function<std::optional<proto::SealReason>(std::uint64_t pending)>;
  struct Window {
    std::vector<RecordedEntry> recorded;
    std::vector<chain::SealedBlock> sealed;
    std::uint64_t receipts = 0;  // held receipts now committed
  };
  Result<Window> commit_window(std::span<const NewEntry> items, std::uint64_t now_ms,
                               std::size_t max_entries, const SealDue& seal_due);

  // Stores a receipt the caller has verified; anchored and final receipts
  // retire their block (it may then be pruned). Receipts only move forward:
  // pending -> anchored -> final, or anchored again in a later batch after a
  // reorg. The same receipt again writes nothing (kUnchanged); an older or
  // sideways one (a replay) is refused with kConflict and the held one kept.
  // With hold_receipts(true) a receipt that passes is held in memory (seen by
  // receipt() and has_anchored_receipt()) and written by the next
  // commit_window() or commit_held_receipts(): lost on a power cut, it is
  // asked for again by publishing its block again.
  enum class ReceiptOutcome { kStored, kUnchanged };
  Result<ReceiptOutcome> accept_receipt(std::uint64_t height, ByteView receipt,
                                        const proto::ReceiptBody& body);
  void hold_receipts(bool hold) { hold_receipts_ = hold; }
  std::size_t held_receipts() const { return held_receipts_.size(); }
  // Commits the held receipts, each in its own batch (a full store prunes
  // what one retires to take it). Returns how many were committed.
  Result<std::uint64_t> commit_held_receipts();

  // Deletes up to max_blocks retired blocks, oldest first. Returns how many.
  Result<std::uint64_t> prune_retired(std::uint64_t max_blocks);

  Result<std::optional<Bytes>> block(std::uint64_t height) const;
  Result<std::optional<Bytes>> receipt(std::uint64_t height) const;
  // Whether the receipt held for `height` says its block is anchored (or
  // final); false with no receipt or a pending one.
  Result<bool> has_anchored_receipt(std::uint64_t height) const;

  const chain::DeviceId& device_id() const { return device_id_; }
  std::uint64_t next_seq() const { return state_.next_seq; }
  std::uint64_t pending_entries() const { return state_.pending_count; }
  const std::optional<chain::ChainTip>& tip() const { return state_.tip; }
  // Heights below this have verified anchored receipts.
  std::uint64_t retired_below() const { return state_.retired_below; }
  // Heights below this have been pruned.
  std::uint64_t pruned_below() const { return state_.pruned_below; }
  std::uint64_t backlog_blocks() const {
    return state_.tip ? state_.tip->height + 1 - state_.retired_below : 0;
  }
  const std::optional<AnchorRef>& newest_anchor() const { return state_.anchor; }
  // Readings refused for lack of space since the last gap event.
  std::uint64_t refused_readings() const { return refused_; }

 private:
  // What the chain's metadata says, in memory. A change works on a copy and
  // the copy is adopted only once its batch has committed.
  struct State {
    std::uint64_t next_seq = 0;
    std::uint64_t pending_count = 0;
    std::optional<chain::ChainTip> tip;
    std::uint64_t retired_below = 0;
    std::uint64_t pruned_below = 0;
    std::optional<AnchorRef> anchor;
  };
  struct HeldReceipt {
    Bytes bytes;
    proto::ReceiptBody body;
  };
  // One batch in the making, and the state after it.
  struct Change {
    platform::WriteBatch batch;
    State after;
    std::vector<chain::PendingEntry> entries;  // new, unsealed: written by finish()
  };

  DeviceChain(platform::Store& store, platform::Signer& signer, const platform::Sha256& sha)
      : store_(store), signer_(&signer), sha_(sha) {}
  Status load(platform::Random& random);
  Status commit_with_room(const platform::WriteBatch& batch);
  // kNoSpace when readings must stop: within an eighth of the ceiling even
  // after pruning.
  Status check_room_for_readings();
  // The parts of a change; each adds to its batch and its state.
  Status add_entries(Change& change, std::span<const NewEntry> items,
                     std::vector<RecordedEntry>& recorded);
  Result<std::optional<chain::SealedBlock>> add_seal(Change& change, std::uint64_t now_ms,
                                                     proto::SealReason reason,
                                                     std::size_t max_entries);
  // Commits one receipt now (a full store prunes what it retires to take it).
  Status write_receipt(std::uint64_t height, ByteView receipt, const proto::ReceiptBody& body);
  Status add_receipt(Change& change, std::uint64_t height, ByteView receipt,
                     const proto::ReceiptBody& body);
  const platform::WriteBatch& finish(Change& change);

  platform::Store& store_;
  platform::Signer* signer_;  // the current key: replaced by rotate_key()
  const platform::Sha256& sha_;
  chain::DeviceId device_id_;
  Bytes secret_;
  std::uint32_t key_index_ = 0;
  State state_;
  std::uint64_t refused_ = 0;
  bool hold_receipts_ = false;
  std::map<std::uint64_t, HeldReceipt> held_receipts_;  // by height
};

}  // namespace vs::agent
