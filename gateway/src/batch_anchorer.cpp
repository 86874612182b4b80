#include "vs/gateway/batch_anchorer.h"

#include "vs/chain/merkle.h"
#include "vs/gateway/block_ingest.h"
#include "vs/proto/limits.h"

namespace vs::gateway {
namespace {

constexpr std::string_view kNextBatchIdKey = "next_batch_id";

Result<BatchItem> item_from(const platform::Record& record) {
  if (record.key.size() != chain::DeviceId::kSize + 8 || record.value.size() != 32)
    return Error(ErrorCode::kMalformed, "stored unanchored record has a bad size");
  BatchItem item;
  VS_TRY_ASSIGN(item.device,
                chain::DeviceId::from_bytes(ByteView(record.key).first(chain::DeviceId::kSize)));
  item.height = get_u64_be(record.key.data() + chain::DeviceId::kSize);
  VS_TRY_ASSIGN(item.block_hash, to_array<32>(record.value, "stored block hash is not 32 bytes"));
  return item;
}

}  // namespace

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

Result<std::uint64_t> BatchAnchorer::queued() const {
  return store_.count(kUnanchoredTable);
}

Result<std::uint64_t> BatchAnchorer::next_batch_id() const {
  VS_TRY_ASSIGN(auto stored, store_.get(kMetaTable, as_bytes(kNextBatchIdKey)));
  if (!stored) return std::uint64_t{1};
  if (stored->size() != 8)
    return Error(ErrorCode::kMalformed, "stored next batch id is not 8 bytes");
  return get_u64_be(stored->data());
}

Result<std::optional<Bytes>> BatchAnchorer::receipt(const chain::DeviceId& device,
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
    batch.put(kReceiptsTable, records[i].key, receipt);
    batch.erase(kUnanchoredTable, records[i].key);
    issued.push_back({items[i], std::move(receipt)});
  }
  batch.put(kMetaTable, as_bytes(kNextBatchIdKey), platform::u64_key(batch_id + 1));
  VS_TRY(store_.commit(batch));
  return issued;
}

}  // namespace vs::gateway
