#include "vs/agent/device_chain.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <tuple>

#include "vs/chain/entry_leaf.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {
namespace {

using platform::u64_key;

constexpr std::string_view kNextSeq = "next_seq";
constexpr std::string_view kTip = "tip";                 // height | hash | last_seq
constexpr std::string_view kSecret = "blinding_secret";  // 32 bytes
constexpr std::string_view kKeyIndex = "key_index";
constexpr std::string_view kRetiredBelow = "retired_below";
constexpr std::string_view kPrunedBelow = "pruned_below";
constexpr std::string_view kAnchor = "anchor";         // batch id | root
constexpr std::string_view kPublicKey = "public_key";  // the device's first key, DER
constexpr std::string_view kKeyName =
    "key_name";  // the key after a rotation, as the board names it
constexpr std::string_view kKeyPublic = "key_public";  // its public key, DER

Bytes u64_value(std::uint64_t value) {
  return u64_key(value);
}

Result<std::uint64_t> read_u64(const std::optional<Bytes>& value, const char* what) {
  if (!value) return std::uint64_t{0};
  if (value->size() != 8) return Error(ErrorCode::kMalformed, what);
  return get_u64_be(value->data());
}

// A committed entry as stored: time | blinding | signature length | signature | entry.
Bytes encode_pending(const chain::PendingEntry& entry) {
  Bytes out(8 + 32 + 1);
  put_u64_be(entry.time_ms, out.data());
  std::memcpy(out.data() + 8, entry.blinding.data(), 32);
  out[40] = static_cast<std::uint8_t>(entry.signature.size());
  out.insert(out.end(), entry.signature.begin(), entry.signature.end());
  out.insert(out.end(), entry.bytes.begin(), entry.bytes.end());
  return out;
}

Result<chain::PendingEntry> decode_pending(std::uint64_t seq, const Bytes& stored) {
  if (stored.size() < 41 || stored.size() < 41u + stored[40]) {
    return Error(ErrorCode::kMalformed, "stored pending entry is truncated");
  }
  chain::PendingEntry entry;
  entry.seq = seq;
  entry.time_ms = get_u64_be(stored.data());
  std::memcpy(entry.blinding.data(), stored.data() + 8, 32);
  std::size_t signature_size = stored[40];
  entry.signature.assign(stored.begin() + 41,
                         stored.begin() + 41 + static_cast<long>(signature_size));
  entry.bytes.assign(stored.begin() + 41 + static_cast<long>(signature_size), stored.end());
  return entry;
}

bool is_anchored(proto::ReceiptState state) {
  return state == proto::ReceiptState::kAnchored || state == proto::ReceiptState::kFinal;
}

// How far a receipt has come: pending, then anchored in a batch, then final;
// a later batch (anchored again after a reorg) is further on.
std::tuple<bool, std::uint64_t, int> progress(const proto::ReceiptBody& body) {
  bool anchored = is_anchored(body.state);
  return {anchored, anchored ? body.batch_id : 0,
          body.state == proto::ReceiptState::kFinal ? 1 : 0};
}

}  // namespace

Result<std::unique_ptr<DeviceChain>> DeviceChain::open(platform::Store& store,
                                                       platform::Signer& signer,
                                                       const platform::Sha256& sha,
                                                       platform::Random& random) {
  std::unique_ptr<DeviceChain> chain(new DeviceChain(store, signer, sha));
  auto loaded = chain->load(random);
  if (!loaded) return std::move(loaded).error().about("device chain");
  return chain;
}

Result<ChainSnapshot> DeviceChain::inspect(const platform::StoreReader& store) {
  ChainSnapshot snapshot;
  VS_TRY_ASSIGN(auto key, store.get(kMetaTable, as_bytes(kPublicKey)));
  if (key) snapshot.first_public_key = *key;
  VS_TRY_ASSIGN(auto next_seq, store.get(kMetaTable, as_bytes(kNextSeq)));
  VS_TRY_ASSIGN(snapshot.next_seq, read_u64(next_seq, "stored next seq is not 8 bytes"));
  VS_TRY_ASSIGN(auto retired, store.get(kMetaTable, as_bytes(kRetiredBelow)));
  VS_TRY_ASSIGN(snapshot.retired_below, read_u64(retired, "stored retirement mark is not 8 bytes"));
  VS_TRY_ASSIGN(auto pruned, store.get(kMetaTable, as_bytes(kPrunedBelow)));
  VS_TRY_ASSIGN(snapshot.pruned_below, read_u64(pruned, "stored prune mark is not 8 bytes"));
  VS_TRY_ASSIGN(auto tip, store.get(kMetaTable, as_bytes(kTip)));
  if (tip) {
    VS_TRY_ASSIGN(snapshot.tip, chain::ChainTip::decode(*tip));
  }
  VS_TRY_ASSIGN(snapshot.pending_entries, store.count(kPendingTable));
  VS_TRY_ASSIGN(auto key_name, store.get(kMetaTable, as_bytes(kKeyName)));
  if (key_name) snapshot.key_name.assign(key_name->begin(), key_name->end());
  return snapshot;
}

Result<std::vector<chain::PendingEntry>> DeviceChain::read_pending(
    const platform::StoreReader& store, std::uint64_t from_seq, std::size_t limit) {
  VS_TRY_ASSIGN(auto records, store.scan(kPendingTable, u64_key(from_seq), limit));
  std::vector<chain::PendingEntry> entries;
  entries.reserve(records.size());
  for (const platform::Record& record : records) {
    std::uint64_t seq = get_u64_be(record.key.data());
    auto entry = decode_pending(seq, record.value);
    if (!entry) return std::move(entry).error().about("pending seq " + std::to_string(seq));
    entries.push_back(std::move(entry).value());
  }
  return entries;
}

Status DeviceChain::load(platform::Random& random) {
  VS_TRY_ASSIGN(auto secret, store_.get(kMetaTable, as_bytes(kSecret)));
  if (!secret) {
    Bytes fresh(32);
    random.fill(fresh);
    platform::WriteBatch batch;
    batch.put(kMetaTable, as_bytes(kSecret), fresh);
    VS_TRY(store_.commit(batch));
    secret = fresh;
  }
  if (secret->size() != 32)
    return Error(ErrorCode::kMalformed, "stored blinding secret is not 32 bytes");
  secret_ = *secret;

  // The first key is kept with the chain, so tools can verify it without key
  // files, and the device id (derived from it) survives key rotation.
  VS_TRY_ASSIGN(auto first_key, store_.get(kMetaTable, as_bytes(kPublicKey)));
  if (!first_key) {
    platform::WriteBatch batch;
    batch.put(kMetaTable, as_bytes(kPublicKey), signer_->public_key());
    VS_TRY(store_.commit(batch));
    first_key = Bytes(signer_->public_key().begin(), signer_->public_key().end());
  }
  device_id_ = chain::DeviceId::from_public_key(sha_, *first_key);

  VS_TRY_ASSIGN(ChainSnapshot snapshot, inspect(store_));
  state_.next_seq = snapshot.next_seq;
  state_.tip = snapshot.tip;
  state_.retired_below = snapshot.retired_below;
  state_.pruned_below = snapshot.pruned_below;
  state_.pending_count = snapshot.pending_entries;
  VS_TRY_ASSIGN(auto key_index, store_.get(kMetaTable, as_bytes(kKeyIndex)));
  VS_TRY_ASSIGN(std::uint64_t index, read_u64(key_index, "stored key index is not 8 bytes"));
  key_index_ = static_cast<std::uint32_t>(index);
  if (key_index_ == 0 && !equal(*first_key, signer_->public_key())) {
    return Error(
        ErrorCode::kIntegrity,
        "the device key is not the key this chain was started with (rotate keys with an event)");
  }
  if (key_index_ > 0) {
    VS_TRY_ASSIGN(auto current, store_.get(kMetaTable, as_bytes(kKeyPublic)));
    if (!current || !equal(*current, signer_->public_key()))
      return Error(ErrorCode::kIntegrity,
                   "the device key is not the chain's current key (the one its last rotation "
                   "named)")
          .about("key index " + std::to_string(key_index_));
  }
  VS_TRY_ASSIGN(auto anchor, store_.get(kMetaTable, as_bytes(kAnchor)));
  if (anchor) {
    if (anchor->size() != 40) return Error(ErrorCode::kMalformed, "stored anchor is not 40 bytes");
    AnchorRef value;
    value.batch_id = get_u64_be(anchor->data());
    std::memcpy(value.batch_root.data(), anchor->data() + 8, 32);
    state_.anchor = value;
  }
  // The pending entries must continue the tip, and next_seq must pass them.
  std::uint64_t first_unsealed = state_.tip ? state_.tip->last_seq + 1 : 0;
  if (state_.pending_count > 0) {
    VS_TRY_ASSIGN(auto first, store_.scan(kPendingTable, {}, 1));
    if (get_u64_be(first.front().key.data()) != first_unsealed) {
      return Error(ErrorCode::kIntegrity, "pending entries do not continue the chain's tip");
    }
  }
  if (state_.next_seq != first_unsealed + state_.pending_count) {
    return Error(ErrorCode::kIntegrity, "stored next seq does not match the committed entries");
  }
  return {};
}

Status DeviceChain::commit_with_room(const platform::WriteBatch& batch) {
  Status committed = store_.commit(batch);
  if (committed || committed.error().code() != ErrorCode::kNoSpace) return committed;
  // Anchored blocks go first: prune them and try once more.
  VS_TRY_ASSIGN(std::uint64_t pruned, prune_retired(256));
  if (pruned == 0) return committed;
  return store_.commit(batch);
}

Result<RecordedEntry> DeviceChain::record(const EntryBody& body, std::uint64_t time_ms,
                                          bool sign_entry) {
  NewEntry item{body, time_ms, sign_entry};
  VS_TRY_ASSIGN(auto recorded, record_all(std::span<const NewEntry>(&item, 1)));
  return std::move(recorded.back());
}

Status DeviceChain::check_room_for_readings() {
  // Readings stop an eighth short of the ceiling: what frees room (sealing,
  // storing a receipt, pruning) has to write too, and must never find the
  // store full.
  auto usage = store_.usage();
  if (!usage || usage->limit_bytes == 0 ||
      usage->used_bytes + usage->limit_bytes / 8 <= usage->limit_bytes) {
    return {};
  }
  VS_TRY(prune_retired(256));
  usage = store_.usage();
  if (!usage || usage->used_bytes + usage->limit_bytes / 8 <= usage->limit_bytes) return {};
  return Error(ErrorCode::kNoSpace,
               usage->filesystem_limited
                   ? "the store is within its reserve of the filesystem's free space"
                   : "the store is within its reserve of its configured ceiling (store.max_mb)");
}

Status DeviceChain::add_entries(Change& change, std::span<const NewEntry> items,
                                std::vector<RecordedEntry>& recorded) {
  std::vector<NewEntry> gap;
  if (refused_ > 0 && !items.empty()) {
    // Space may be back: first say what was lost, in the same commit, so
    // the gap event cannot be lost without the readings after it.
    proto::Event event;
    event.kind = proto::EventKind::kGap;
    event.count = refused_;
    event.text = "storage full: readings refused";
    gap.push_back({event, items.front().time_ms, items.front().sign});
  }
  for (std::span<const NewEntry> part : {std::span<const NewEntry>(gap), items}) {
    for (const NewEntry& item : part) {
      std::uint64_t seq = change.after.next_seq;
      proto::Entry entry{seq, item.time_ms, item.body};
      chain::PendingEntry pending;
      VS_TRY_ASSIGN(pending.bytes, proto::WireCodec::encode(entry));
      pending.seq = seq;
      pending.time_ms = item.time_ms;
      pending.blinding = chain::EntryLeaf::blinding(sha_, secret_, seq);
      if (item.sign) {
        VS_TRY_ASSIGN(platform::Signature signature, signer_->sign(sha_.digest(pending.bytes)));
        pending.signature.assign(signature.begin(), signature.end());
      }
      if (part.data() == items.data()) {  // callers get what they gave
        recorded.push_back(RecordedEntry{seq, pending.bytes, pending.signature});
      }
      change.entries.push_back(std::move(pending));
      ++change.after.next_seq;
      ++change.after.pending_count;
    }
  }
  return {};
}

const platform::WriteBatch& DeviceChain::finish(Change& change) {
  for (const chain::PendingEntry& entry : change.entries) {
    change.batch.put(kPendingTable, u64_key(entry.seq), encode_pending(entry));
  }
  change.entries.clear();
  if (change.after.next_seq != state_.next_seq) {
    change.batch.put(kMetaTable, as_bytes(kNextSeq), u64_value(change.after.next_seq));
  }
  return change.batch;
}

Result<std::vector<RecordedEntry>> DeviceChain::record_all(std::span<const NewEntry> items) {
  if (Status room = check_room_for_readings(); !room) {
    refused_ += items.size();
    return std::move(room).error();
  }
  Change change{{}, state_, {}};
  std::vector<RecordedEntry> recorded;
  VS_TRY(add_entries(change, items, recorded));
  Status committed = commit_with_room(finish(change));
  if (!committed) {
    if (committed.error().code() == ErrorCode::kNoSpace) refused_ += items.size();
    return std::move(committed).error();
  }
  refused_ = 0;
  state_ = change.after;
  return recorded;
}

Result<std::optional<chain::SealedBlock>> DeviceChain::add_seal(Change& change,
                                                                std::uint64_t now_ms,
                                                                proto::SealReason reason,
                                                                std::size_t max_entries) {
  State& after = change.after;
  if (after.pending_count == 0) return std::optional<chain::SealedBlock>();
  // The oldest pending entries: those already stored, then this change's.
  std::uint64_t first_seq = after.tip ? after.tip->last_seq + 1 : 0;
  VS_TRY_ASSIGN(std::vector<chain::PendingEntry> entries,
                read_pending(store_, first_seq, max_entries));
  for (const chain::PendingEntry& entry : entries) {
    change.batch.erase(kPendingTable, u64_key(entry.seq));
  }
  std::size_t taken_new = std::min(change.entries.size(), max_entries - entries.size());
  std::move(change.entries.begin(), change.entries.begin() + static_cast<long>(taken_new),
            std::back_inserter(entries));
  change.entries.erase(change.entries.begin(),
                       change.entries.begin() + static_cast<long>(taken_new));

  chain::SealPosition position;
  position.device_id = device_id_;
  position.height = after.tip ? after.tip->height + 1 : 0;
  if (after.tip) position.previous_hash = after.tip->hash;
  position.key_index = key_index_;
  position.sealed_time_ms = now_ms;
  if (after.anchor) {
    position.anchor_batch_id = after.anchor->batch_id;
    position.anchor_batch_root = after.anchor->batch_root;
  }
  position.reason = reason;
  VS_TRY_ASSIGN(chain::SealedBlock sealed,
                chain::BlockSealer(sha_, *signer_).seal(position, entries));
  // Entries out, block in, tip moved: all in the change's one batch.
  after.tip = chain::ChainTip{position.height, sealed.hash, entries.back().seq};
  after.pending_count -= entries.size();
  change.batch.put(kBlocksTable, u64_key(position.height), sealed.encoded);
  change.batch.put(kMetaTable, as_bytes(kTip), after.tip->encode());
  return std::optional<chain::SealedBlock>(std::move(sealed));
}

Result<std::optional<chain::SealedBlock>> DeviceChain::seal(std::uint64_t now_ms,
                                                            proto::SealReason reason,
                                                            std::size_t max_entries) {
  Change change{{}, state_, {}};
  VS_TRY_ASSIGN(auto sealed, add_seal(change, now_ms, reason, max_entries));
  if (!sealed) return sealed;
  VS_TRY(commit_with_room(finish(change)));
  state_ = change.after;
  return sealed;
}

Result<std::vector<chain::SealedBlock>> DeviceChain::rotate_key(platform::Signer& next,
                                                                std::string_view key_name,
                                                                std::uint64_t now_ms,
                                                                std::size_t max_entries) {
  if (key_name.empty()) return Error(ErrorCode::kInvalidArgument, "a rotated key needs its name");
  Change change{{}, state_, {}};
  proto::Event event;
  event.kind = proto::EventKind::kKeyRotation;
  event.public_key.assign(next.public_key().begin(), next.public_key().end());
  event.key_index = key_index_ + 1;
  NewEntry item{event, now_ms, true};
  std::vector<RecordedEntry> recorded;
  VS_TRY(add_entries(change, std::span<const NewEntry>(&item, 1), recorded));
  std::vector<chain::SealedBlock> sealed;
  while (change.after.pending_count > 0) {
    VS_TRY_ASSIGN(auto block,
                  add_seal(change, now_ms, proto::SealReason::kKeyRotation, max_entries));
    if (!block) break;
    sealed.push_back(std::move(*block));
  }
  change.batch.put(kMetaTable, as_bytes(kKeyIndex), u64_value(event.key_index));
  change.batch.put(kMetaTable, as_bytes(kKeyName), as_bytes(key_name));
  change.batch.put(kMetaTable, as_bytes(kKeyPublic), next.public_key());
  VS_TRY(commit_with_room(finish(change)));
  state_ = change.after;
  key_index_ = event.key_index;
  signer_ = &next;
  return sealed;
}

Result<DeviceChain::Window> DeviceChain::commit_window(std::span<const NewEntry> items,
                                                       std::uint64_t now_ms,
                                                       std::size_t max_entries,
                                                       const SealDue& seal_due) {
  if (!items.empty()) VS_TRY(check_room_for_readings());  // the caller counts what it refuses
  Window window;
  Change change{{}, state_, {}};
  // Receipts first: a block sealed below names the newest anchor.
  for (const auto& [height, held] : held_receipts_) {
    VS_TRY(add_receipt(change, height, held.bytes, held.body));
  }
  VS_TRY(add_entries(change, items, window.recorded));
  while (auto reason = seal_due(change.after.pending_count)) {
    VS_TRY_ASSIGN(auto sealed, add_seal(change, now_ms, *reason, max_entries));
    if (!sealed) break;
    window.sealed.push_back(std::move(*sealed));
  }
  const platform::WriteBatch& batch = finish(change);
  if (batch.empty()) return window;
  // No pruning retry here: the caller's part-by-part commit does it.
  VS_TRY(store_.commit(batch));
  if (!items.empty()) refused_ = 0;
  window.receipts = held_receipts_.size();
  held_receipts_.clear();
  state_ = change.after;
  return window;
}

Result<DeviceChain::ReceiptOutcome> DeviceChain::accept_receipt(std::uint64_t height,
                                                                ByteView receipt,
                                                                const proto::ReceiptBody& body) {
  if (!state_.tip || height > state_.tip->height) {
    return Error(ErrorCode::kInvalidArgument, "receipt is for a height this device has not sealed");
  }
  VS_TRY_ASSIGN(auto held, this->receipt(height));
  if (held) {
    if (equal(*held, receipt)) return ReceiptOutcome::kUnchanged;
    VS_TRY_ASSIGN(proto::Receipt held_receipt, proto::WireCodec::decode_receipt(*held));
    VS_TRY_ASSIGN(proto::ReceiptBody held_body,
                  proto::WireCodec::decode_receipt_body(held_receipt.body));
    if (progress(body) <= progress(held_body)) {
      return Error(ErrorCode::kConflict,
                   "receipt is not newer than the one held (a replay or a downgrade)");
    }
  }
  if (hold_receipts_) {
    held_receipts_[height] = HeldReceipt{Bytes(receipt.begin(), receipt.end()), body};
  } else {
    VS_TRY(write_receipt(height, receipt, body));
  }
  return ReceiptOutcome::kStored;
}

Status DeviceChain::write_receipt(std::uint64_t height, ByteView receipt,
                                  const proto::ReceiptBody& body) {
  Change change{{}, state_, {}};
  VS_TRY(add_receipt(change, height, receipt, body));
  Status committed = store_.commit(change.batch);
  if (!committed && committed.error().code() == ErrorCode::kNoSpace &&
      change.after.retired_below > state_.pruned_below) {
    // A full store must still take receipts, or it could never make room:
    // prune what this receipt retires in the same batch.
    for (std::uint64_t old = state_.pruned_below; old < change.after.retired_below; ++old) {
      change.batch.erase(kBlocksTable, u64_key(old));
      change.batch.erase(kReceiptsTable, u64_key(old));
    }
    change.after.pruned_below = change.after.retired_below;
    change.batch.put(kMetaTable, as_bytes(kPrunedBelow), u64_value(change.after.pruned_below));
    committed = store_.commit(change.batch);
  }
  VS_TRY(committed);
  state_ = change.after;
  return {};
}

Status DeviceChain::add_receipt(Change& change, std::uint64_t height, ByteView receipt,
                                const proto::ReceiptBody& body) {
  State& after = change.after;
  change.batch.put(kReceiptsTable, u64_key(height), receipt);
  if (!is_anchored(body.state)) return {};
  if (!after.anchor || body.batch_id > after.anchor->batch_id) {
    AnchorRef newer;
    newer.batch_id = body.batch_id;
    std::memcpy(newer.batch_root.data(), body.batch_root.data(), 32);
    after.anchor = newer;
    Bytes value(40);
    put_u64_be(newer.batch_id, value.data());
    std::memcpy(value.data() + 8, newer.batch_root.data(), 32);
    change.batch.put(kMetaTable, as_bytes(kAnchor), value);
  }
  // Advance the retirement mark over every contiguous anchored height (held
  // receipts included: they are committed in height order).
  if (height == after.retired_below) {
    std::uint64_t retired = height + 1;
    for (;;) {
      VS_TRY_ASSIGN(bool next_anchored, has_anchored_receipt(retired));
      if (!next_anchored) break;
      ++retired;
    }
    after.retired_below = retired;
    change.batch.put(kMetaTable, as_bytes(kRetiredBelow), u64_value(retired));
  }
  return {};
}

Result<std::uint64_t> DeviceChain::commit_held_receipts() {
  // Out of the overlay first: a retirement mark must count only receipts
  // that are committed, or committed in the same batch.
  std::map<std::uint64_t, HeldReceipt> held;
  held.swap(held_receipts_);
  std::uint64_t committed = 0;
  for (auto next = held.begin(); next != held.end(); next = held.erase(next)) {
    Status written = write_receipt(next->first, next->second.bytes, next->second.body);
    if (!written) {
      held_receipts_ = std::move(held);  // what is left stays held
      return std::move(written).error();
    }
    ++committed;
  }
  return committed;
}

Result<std::uint64_t> DeviceChain::prune_retired(std::uint64_t max_blocks) {
  std::uint64_t until = std::min(state_.retired_below, state_.pruned_below + max_blocks);
  if (until <= state_.pruned_below) return std::uint64_t{0};
  platform::WriteBatch batch;
  for (std::uint64_t height = state_.pruned_below; height < until; ++height) {
    batch.erase(kBlocksTable, u64_key(height));
    batch.erase(kReceiptsTable, u64_key(height));
  }
  batch.put(kMetaTable, as_bytes(kPrunedBelow), u64_value(until));
  VS_TRY(store_.commit(batch));
  std::uint64_t pruned = until - state_.pruned_below;
  state_.pruned_below = until;
  return pruned;
}

Result<std::optional<Bytes>> DeviceChain::block(std::uint64_t height) const {
  return store_.get(kBlocksTable, u64_key(height));
}

Result<std::optional<Bytes>> DeviceChain::receipt(std::uint64_t height) const {
  if (auto held = held_receipts_.find(height); held != held_receipts_.end()) {
    return std::optional<Bytes>(held->second.bytes);
  }
  return store_.get(kReceiptsTable, u64_key(height));
}

Result<bool> DeviceChain::has_anchored_receipt(std::uint64_t height) const {
  VS_TRY_ASSIGN(auto stored, receipt(height));
  if (!stored) return false;
  VS_TRY_ASSIGN(proto::Receipt decoded, proto::WireCodec::decode_receipt(*stored));
  VS_TRY_ASSIGN(proto::ReceiptBody body, proto::WireCodec::decode_receipt_body(decoded.body));
  return is_anchored(body.state);
}

}  // namespace vs::agent
