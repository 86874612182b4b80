#include "vs/gateway/batch_anchorer.h"

#include "vs/chain/merkle.h"
#include "vs/gateway/block_ingest.h"
#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

constexpr std::string_view kNextBatchIdKey = "next_batch_id";

constexpr std::size_t kItemKeySize = chain::DeviceId::kSize + 8;

// A queued block: its queue key is arrival ms | device id | height.
Result<BatchItem> item_from(const platform::Record& record) {
  if (record.key.size() != 8 + kItemKeySize || record.value.size() != 32)
    return Error(ErrorCode::kMalformed, "stored unanchored record has a bad size");
  ByteView item_key = ByteView(record.key).subspan(8);
  BatchItem item;
  VS_TRY_ASSIGN(item.device, chain::DeviceId::from_bytes(item_key.first(chain::DeviceId::kSize)));
  item.height = get_u64_be(item_key.data() + chain::DeviceId::kSize);
  VS_TRY_ASSIGN(item.block_hash, to_array<32>(record.value, "stored block hash is not 32 bytes"));
  return item;
}

// root (32) | count (4, big-endian) | count x (device id | height)
Bytes encode_batch(const Digest& root, const std::vector<BatchItem>& items) {
  Bytes out(root.begin(), root.end());
  std::uint32_t count = static_cast<std::uint32_t>(items.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(count >> shift));
  for (const BatchItem& item : items) {
    Bytes key = height_key(item.device, item.height);
    out.insert(out.end(), key.begin(), key.end());
  }
  return out;
}

struct StoredBatch {
  Digest root{};
  std::vector<Bytes> keys;
};

Result<StoredBatch> decode_batch(ByteView bytes) {
  if (bytes.size() < 36) return Error(ErrorCode::kMalformed, "stored batch is truncated");
  StoredBatch batch;
  std::copy(bytes.begin(), bytes.begin() + 32, batch.root.begin());
  std::size_t count = static_cast<std::size_t>(bytes[32]) << 24 |
                      static_cast<std::size_t>(bytes[33]) << 16 |
                      static_cast<std::size_t>(bytes[34]) << 8 | bytes[35];
  if (bytes.size() != 36 + count * kItemKeySize)
    return Error(ErrorCode::kMalformed, "stored batch has a bad size");
  for (std::size_t i = 0; i < count; ++i) {
    auto key = bytes.subspan(36 + i * kItemKeySize, kItemKeySize);
    batch.keys.emplace_back(key.begin(), key.end());
  }
  return batch;
}

Result<proto::ReceiptBody> stored_body(const platform::Store& store, ByteView key) {
  VS_TRY_ASSIGN(auto stored, store.get(kReceiptsTable, key));
  if (!stored) return Error(ErrorCode::kNotFound, "a batch names a block without a receipt");
  VS_TRY_ASSIGN(proto::Receipt receipt, proto::WireCodec::decode_receipt(*stored));
  return proto::WireCodec::decode_receipt_body(receipt.body);
}

}  // namespace

// time | blocks | cost | ledger kind | ledger height | ledger time (8 bytes
// each, big-endian) | transaction id length (1) | transaction id | chain id
Bytes AnchorRecord::encode() const {
  Bytes out(48);
  put_u64_be(time_ms, out.data());
  put_u64_be(blocks, out.data() + 8);
  put_u64_be(cost, out.data() + 16);
  put_u64_be(static_cast<std::uint64_t>(ledger.kind), out.data() + 24);
  put_u64_be(ledger.ledger_height, out.data() + 32);
  put_u64_be(ledger.ledger_time_ms, out.data() + 40);
  std::size_t id_size = std::min<std::size_t>(ledger.transaction_id.size(), 255);
  out.push_back(static_cast<std::uint8_t>(id_size));
  out.insert(out.end(), ledger.transaction_id.begin(),
             ledger.transaction_id.begin() + static_cast<long>(id_size));
  out.insert(out.end(), ledger.chain_id.begin(), ledger.chain_id.end());
  return out;
}

Result<AnchorRecord> AnchorRecord::decode(std::uint64_t batch_id, ByteView bytes) {
  if (bytes.size() < 49) return Error(ErrorCode::kMalformed, "stored anchor record is truncated");
  AnchorRecord record;
  record.batch_id = batch_id;
  record.time_ms = get_u64_be(bytes.data());
  record.blocks = get_u64_be(bytes.data() + 8);
  record.cost = get_u64_be(bytes.data() + 16);
  std::uint64_t kind = get_u64_be(bytes.data() + 24);
  if (kind > proto::kMaxLedgerKind)
    return Error(ErrorCode::kMalformed, "stored anchor record names an unknown ledger");
  record.ledger.kind = static_cast<proto::LedgerKind>(kind);
  record.ledger.ledger_height = get_u64_be(bytes.data() + 32);
  record.ledger.ledger_time_ms = get_u64_be(bytes.data() + 40);
  std::size_t id_size = bytes[48];
  if (bytes.size() < 49 + id_size)
    return Error(ErrorCode::kMalformed, "stored anchor record is truncated");
  auto id = bytes.subspan(49, id_size);
  record.ledger.transaction_id.assign(id.begin(), id.end());
  auto chain = bytes.subspan(49 + id_size);
  record.ledger.chain_id.assign(chain.begin(), chain.end());
  return record;
}

Result<std::vector<AnchorRecord>> AnchorState::recent_anchors(std::size_t count) const {
  VS_TRY_ASSIGN(std::uint64_t next, next_batch_id());
  std::uint64_t from = next > count ? next - count : 0;
  VS_TRY_ASSIGN(auto records, store_.scan(kAnchorsTable, platform::u64_key(from), count));
  std::vector<AnchorRecord> out;
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->key.size() != 8) return Error(ErrorCode::kMalformed, "stored batch id is not 8 bytes");
    VS_TRY_ASSIGN(AnchorRecord record, AnchorRecord::decode(get_u64_be(it->key.data()), it->value));
    out.push_back(std::move(record));
  }
  return out;
}

proto::ReceiptBody BatchAnchorer::body_for(const BatchItem& item, std::uint64_t time_ms) const {
  proto::ReceiptBody body;
  body.version = proto::kReceiptVersion;
  body.device_id.assign(item.device.bytes().begin(), item.device.bytes().end());
  body.block_height = item.height;
  body.block_hash.assign(item.block_hash.begin(), item.block_hash.end());
  body.state = proto::ReceiptState::kPending;
  body.issued_time_ms = time_ms;
  return body;
}

Result<std::uint64_t> AnchorState::queued() const {
  return store_.count(kUnanchoredTable);
}

Result<std::uint64_t> AnchorState::next_batch_id() const {
  VS_TRY_ASSIGN(auto stored, store_.get(kMetaTable, as_bytes(kNextBatchIdKey)));
  if (!stored) return std::uint64_t{1};
  if (stored->size() != 8)
    return Error(ErrorCode::kMalformed, "stored next batch id is not 8 bytes");
  return get_u64_be(stored->data());
}

Result<std::optional<Bytes>> AnchorState::receipt(const chain::DeviceId& device,
                                                  std::uint64_t height) const {
  return store_.get(kReceiptsTable, height_key(device, height));
}

Result<Bytes> BatchAnchorer::pending_receipt(const BatchItem& item, std::uint64_t time_ms) {
  return signer_.sign_encoded(body_for(item, time_ms));
}

Result<std::vector<IssuedReceipt>> BatchAnchorer::anchor(std::uint64_t time_ms,
                                                         std::size_t max_items) {
  std::vector<IssuedReceipt> issued;
  VS_TRY_ASSIGN(auto records, store_.scan(kUnanchoredTable, {}, max_items));
  if (records.empty()) return issued;
  std::vector<BatchItem> items;
  items.reserve(records.size());
  for (const platform::Record& record : records) {
    VS_TRY_ASSIGN(BatchItem item, item_from(record));
    items.push_back(item);
  }
  VS_TRY_ASSIGN(std::uint64_t batch_id, next_batch_id());

  chain::Merkle merkle(sha_);
  std::vector<Digest> leaves;
  leaves.reserve(items.size());
  for (const BatchItem& item : items) leaves.push_back(merkle.leaf_hash(item.block_hash));
  Digest root = merkle.root(leaves);
  platform::WriteBatch batch;
  VS_TRY_ASSIGN(proto::LedgerRef ledger, ledger_.anchor(root, batch_id, time_ms, batch));
  auto paths = merkle.all_inclusion_proofs(leaves);
  issued.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    proto::ReceiptBody body = body_for(items[i], time_ms);
    body.state = proto::ReceiptState::kAnchored;
    body.batch_id = batch_id;
    body.batch_root.assign(root.begin(), root.end());
    body.batch_size = items.size();
    body.leaf_index = i;
    for (const Digest& node : paths[i]) body.inclusion_path.emplace_back(node.begin(), node.end());
    body.ledger = ledger;
    VS_TRY_ASSIGN(Bytes receipt, signer_.sign_encoded(body));
    batch.put(kReceiptsTable, height_key(items[i].device, items[i].height), receipt);
    batch.erase(kUnanchoredTable, records[i].key);
    issued.push_back({items[i], std::move(receipt)});
  }
  batch.put(kMetaTable, as_bytes(kNextBatchIdKey), platform::u64_key(batch_id + 1));
  AnchorRecord anchor_record{batch_id, time_ms, items.size(), ledger_.last_cost(), ledger};
  batch.put(kAnchorsTable, platform::u64_key(batch_id), anchor_record.encode());
  if (ledger_.tracks_finality())
    batch.put(kBatchesTable, platform::u64_key(batch_id), encode_batch(root, items));
  VS_TRY(store_.commit(batch));
  VS_TRY(store_.sync());  // a receipt goes out only for what survives a power cut
  return issued;
}

Result<std::uint64_t> AnchorState::unconfirmed_batches() const {
  return store_.count(kBatchesTable);
}

Result<BatchAnchorer::Confirmation> BatchAnchorer::confirm(std::uint64_t time_ms,
                                                           std::size_t max_batches) {
  Confirmation out;
  VS_TRY_ASSIGN(auto batches, store_.scan(kBatchesTable, {}, max_batches));
  for (const platform::Record& record : batches) {
    if (record.key.size() != 8)
      return Error(ErrorCode::kMalformed, "stored batch id is not 8 bytes");
    std::uint64_t batch_id = get_u64_be(record.key.data());
    VS_TRY_ASSIGN(StoredBatch stored, decode_batch(record.value));
    if (stored.keys.empty()) continue;
    VS_TRY_ASSIGN(proto::ReceiptBody first, stored_body(store_, stored.keys.front()));
    VS_TRY_ASSIGN(Ledger::FinalityCheck check,
                  ledger_.check_finality(first.ledger, stored.root, batch_id));
    if (check.finality == Ledger::Finality::kPending) continue;
    platform::WriteBatch batch;
    batch.erase(kBatchesTable, record.key);
    std::vector<IssuedReceipt> issued;
    for (const Bytes& key : stored.keys) {
      VS_TRY_ASSIGN(proto::ReceiptBody body, stored_body(store_, key));
      if (body.batch_id != batch_id) continue;  // anchored again since: newer receipt stands
      if (check.finality == Ledger::Finality::kLost) {
        batch.put(kUnanchoredTable, queue_key(time_ms, key), body.block_hash);  // queued again
        continue;
      }
      body.state = proto::ReceiptState::kFinal;
      body.ledger = check.ref;
      body.issued_time_ms = time_ms;
      VS_TRY_ASSIGN(Bytes receipt, signer_.sign_encoded(body));
      batch.put(kReceiptsTable, key, receipt);
      BatchItem item;
      VS_TRY_ASSIGN(item.device,
                    chain::DeviceId::from_bytes(ByteView(key).first(chain::DeviceId::kSize)));
      item.height = get_u64_be(key.data() + chain::DeviceId::kSize);
      VS_TRY_ASSIGN(item.block_hash,
                    to_array<32>(body.block_hash, "stored block hash is not 32 bytes"));
      issued.push_back({item, std::move(receipt)});
    }
    VS_TRY(store_.commit(batch));
    VS_TRY(store_.sync());
    if (check.finality == Ledger::Finality::kLost) {
      ++out.batches_lost;
    } else {
      ++out.batches_final;
      for (IssuedReceipt& receipt : issued) out.final_receipts.push_back(std::move(receipt));
    }
  }
  return out;
}

}  // namespace vs::gateway
