#include "vs/agent/device_chain.h"

#include <cstring>
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
    batch.put(kMetaTable, as_bytes(kPublicKey), signer_.public_key());
    VS_TRY(store_.commit(batch));
    first_key = Bytes(signer_.public_key().begin(), signer_.public_key().end());
  }
  device_id_ = chain::DeviceId::from_public_key(sha_, *first_key);

  VS_TRY_ASSIGN(ChainSnapshot snapshot, inspect(store_));
  next_seq_ = snapshot.next_seq;
  tip_ = snapshot.tip;
  retired_below_ = snapshot.retired_below;
  pruned_below_ = snapshot.pruned_below;
  pending_count_ = snapshot.pending_entries;
  VS_TRY_ASSIGN(auto key_index, store_.get(kMetaTable, as_bytes(kKeyIndex)));
  VS_TRY_ASSIGN(std::uint64_t index, read_u64(key_index, "stored key index is not 8 bytes"));
  key_index_ = static_cast<std::uint32_t>(index);
  if (key_index_ == 0 && !equal(*first_key, signer_.public_key())) {
    return Error(
        ErrorCode::kIntegrity,
        "the device key is not the key this chain was started with (rotate keys with an event)");
  }
  VS_TRY_ASSIGN(auto anchor, store_.get(kMetaTable, as_bytes(kAnchor)));
  if (anchor) {
    if (anchor->size() != 40) return Error(ErrorCode::kMalformed, "stored anchor is not 40 bytes");
    AnchorRef value;
    value.batch_id = get_u64_be(anchor->data());
    std::memcpy(value.batch_root.data(), anchor->data() + 8, 32);
    anchor_ = value;
  }
  // The pending entries must continue the tip, and next_seq must pass them.
  std::uint64_t first_unsealed = tip_ ? tip_->last_seq + 1 : 0;
  if (pending_count_ > 0) {
    VS_TRY_ASSIGN(auto first, store_.scan(kPendingTable, {}, 1));
    if (get_u64_be(first.front().key.data()) != first_unsealed) {
      return Error(ErrorCode::kIntegrity, "pending entries do not continue the chain's tip");
    }
  }
  if (next_seq_ != first_unsealed + pending_count_) {
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

Result<std::vector<RecordedEntry>> DeviceChain::record_all(std::span<const NewEntry> items) {
  // Readings stop an eighth short of the ceiling: what frees room (sealing,
  // storing a receipt, pruning) has to write too, and must never find the
  // store full.
  if (auto usage = store_.usage();
      usage && usage->limit_bytes > 0 &&
      usage->used_bytes + usage->limit_bytes / 8 > usage->limit_bytes) {
    VS_TRY(prune_retired(256));
    usage = store_.usage();
    if (usage && usage->used_bytes + usage->limit_bytes / 8 > usage->limit_bytes) {
      refused_ += items.size();
      return Error(
          ErrorCode::kNoSpace,
          usage->filesystem_limited
              ? "the store is within its reserve of the filesystem's free space"
              : "the store is within its reserve of its configured ceiling (store.max_mb)");
    }
  }
  std::vector<NewEntry> gap;
  if (refused_ > 0 && !items.empty()) {
    // Space may be back: first say what was lost, in the same commit.
    proto::Event event;
    event.kind = proto::EventKind::kGap;
    event.count = refused_;
    event.text = "storage full: readings refused";
    gap.push_back({event, items.front().time_ms, items.front().sign});
  }
  std::vector<RecordedEntry> recorded;
  recorded.reserve(gap.size() + items.size());
  platform::WriteBatch batch;
  std::uint64_t seq = next_seq_;
  for (std::span<const NewEntry> part : {std::span<const NewEntry>(gap), items}) {
    for (const NewEntry& item : part) {
      proto::Entry entry{seq, item.time_ms, item.body};
      chain::PendingEntry pending;
      VS_TRY_ASSIGN(pending.bytes, proto::WireCodec::encode(entry));
      pending.seq = seq;
      pending.time_ms = item.time_ms;
      pending.blinding = chain::EntryLeaf::blinding(sha_, secret_, seq);
      if (item.sign) {
        VS_TRY_ASSIGN(platform::Signature signature, signer_.sign(sha_.digest(pending.bytes)));
        pending.signature.assign(signature.begin(), signature.end());
      }
      batch.put(kPendingTable, u64_key(seq), encode_pending(pending));
      recorded.push_back(
          RecordedEntry{seq, std::move(pending.bytes), std::move(pending.signature)});
      ++seq;
    }
  }
  batch.put(kMetaTable, as_bytes(kNextSeq), u64_value(seq));
  // One commit for the lot: group commit, and the gap event cannot be lost
  // without the readings after it.
  Status committed = commit_with_room(batch);
  if (!committed) {
    if (committed.error().code() == ErrorCode::kNoSpace) refused_ += items.size();
    return std::move(committed).error();
  }
  refused_ = 0;
  pending_count_ += seq - next_seq_;
  next_seq_ = seq;
  if (!gap.empty()) recorded.erase(recorded.begin());  // callers get what they gave
  return recorded;
}

Result<std::optional<chain::SealedBlock>> DeviceChain::seal(std::uint64_t now_ms,
                                                            proto::SealReason reason,
                                                            std::size_t max_entries) {
  if (pending_count_ == 0) return std::optional<chain::SealedBlock>();
  std::uint64_t first_seq = tip_ ? tip_->last_seq + 1 : 0;
  VS_TRY_ASSIGN(std::vector<chain::PendingEntry> entries,
                read_pending(store_, first_seq, max_entries));
  chain::SealPosition position;
  position.device_id = device_id_;
  position.height = tip_ ? tip_->height + 1 : 0;
  if (tip_) position.previous_hash = tip_->hash;
  position.key_index = key_index_;
  position.sealed_time_ms = now_ms;
  if (anchor_) {
    position.anchor_batch_id = anchor_->batch_id;
    position.anchor_batch_root = anchor_->batch_root;
  }
  position.reason = reason;
  VS_TRY_ASSIGN(chain::SealedBlock sealed,
                chain::BlockSealer(sha_, signer_).seal(position, entries));

  chain::ChainTip tip{position.height, sealed.hash, entries.back().seq};
  // One batch: entries out, block in, tip moved.
  platform::WriteBatch batch;
  for (const chain::PendingEntry& entry : entries) batch.erase(kPendingTable, u64_key(entry.seq));
  batch.put(kBlocksTable, u64_key(tip.height), sealed.encoded);
  batch.put(kMetaTable, as_bytes(kTip), tip.encode());
  VS_TRY(commit_with_room(batch));
  tip_ = tip;
  pending_count_ -= entries.size();
  return std::optional<chain::SealedBlock>(std::move(sealed));
}

Result<DeviceChain::ReceiptOutcome> DeviceChain::accept_receipt(std::uint64_t height,
                                                                ByteView receipt,
                                                                const proto::ReceiptBody& body) {
  if (!tip_ || height > tip_->height) {
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
  platform::WriteBatch batch;
  batch.put(kReceiptsTable, u64_key(height), receipt);
  bool anchored = is_anchored(body.state);
  std::uint64_t retired = retired_below_;
  std::optional<AnchorRef> anchor = anchor_;
  if (anchored) {
    if (!anchor || body.batch_id > anchor->batch_id) {
      AnchorRef newer;
      newer.batch_id = body.batch_id;
      std::memcpy(newer.batch_root.data(), body.batch_root.data(), 32);
      anchor = newer;
      Bytes value(40);
      put_u64_be(newer.batch_id, value.data());
      std::memcpy(value.data() + 8, newer.batch_root.data(), 32);
      batch.put(kMetaTable, as_bytes(kAnchor), value);
    }
    // Advance the retirement mark over every contiguous anchored height.
    if (height == retired) {
      retired = height + 1;
      for (;;) {
        VS_TRY_ASSIGN(bool next_anchored, has_anchored_receipt(retired));
        if (!next_anchored) break;
        ++retired;
      }
      batch.put(kMetaTable, as_bytes(kRetiredBelow), u64_value(retired));
    }
  }
  Status committed = store_.commit(batch);
  std::uint64_t pruned = pruned_below_;
  if (!committed && committed.error().code() == ErrorCode::kNoSpace && retired > pruned_below_) {
    // A full store must still take receipts, or it could never make room:
    // prune what this receipt retires in the same batch.
    for (std::uint64_t old = pruned_below_; old < retired; ++old) {
      batch.erase(kBlocksTable, u64_key(old));
      batch.erase(kReceiptsTable, u64_key(old));
    }
    batch.put(kMetaTable, as_bytes(kPrunedBelow), u64_value(retired));
    pruned = retired;
    committed = store_.commit(batch);
  }
  VS_TRY(committed);
  retired_below_ = retired;
  pruned_below_ = pruned;
  anchor_ = anchor;
  return ReceiptOutcome::kStored;
}

Result<std::uint64_t> DeviceChain::prune_retired(std::uint64_t max_blocks) {
  std::uint64_t until = std::min(retired_below_, pruned_below_ + max_blocks);
  if (until <= pruned_below_) return std::uint64_t{0};
  platform::WriteBatch batch;
  for (std::uint64_t height = pruned_below_; height < until; ++height) {
    batch.erase(kBlocksTable, u64_key(height));
    batch.erase(kReceiptsTable, u64_key(height));
  }
  batch.put(kMetaTable, as_bytes(kPrunedBelow), u64_value(until));
  VS_TRY(store_.commit(batch));
  std::uint64_t pruned = until - pruned_below_;
  pruned_below_ = until;
  return pruned;
}

Result<std::optional<Bytes>> DeviceChain::block(std::uint64_t height) const {
  return store_.get(kBlocksTable, u64_key(height));
}

Result<std::optional<Bytes>> DeviceChain::receipt(std::uint64_t height) const {
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
