#include "vs/gateway/key_value_gateway_state.h"

#include <algorithm>

#include "vs/gateway/gateway_tables.h"
#ifdef VS_HAVE_POSTGRES
#include "vs/platform/postgres_store.h"
#endif
#include "vs/platform/staged_writes.h"
#include "vs/platform/store_format.h"

namespace vs::gateway {

Bytes device_key(const chain::DeviceId& device) {
  return Bytes(device.bytes().begin(), device.bytes().end());
}

Bytes height_key(const chain::DeviceId& device, std::uint64_t height) {
  Bytes key = device_key(device);
  key.resize(chain::DeviceId::kSize + 8);
  put_u64_be(height, key.data() + chain::DeviceId::kSize);
  return key;
}

Bytes queue_key(std::uint64_t arrival_ms, ByteView height_key) {
  Bytes key = platform::u64_key(arrival_ms);
  key.insert(key.end(), height_key.begin(), height_key.end());
  return key;
}

namespace {

constexpr std::string_view kNextBatchIdKey = "next_batch_id";
constexpr std::string_view kAnchorLeaseKey = "anchor_lease";
constexpr std::string_view kMemberPrefix = "member:";
constexpr std::string_view kAnchorIntentKey = "anchor_intent";
constexpr std::size_t kHeightKeySize = chain::DeviceId::kSize + 8;
constexpr std::size_t kIntentBlockSize = 8 + kHeightKeySize + 32;
constexpr std::uint8_t kRevokedFlag = 1;
constexpr std::uint8_t kEquivocatedFlag = 2;

Bytes encode_device(const DeviceRecord& record) {
  Bytes bytes{static_cast<std::uint8_t>((record.revoked ? kRevokedFlag : 0) |
                                        (record.equivocated ? kEquivocatedFlag : 0)),
              static_cast<std::uint8_t>(record.public_keys.size() >> 8),
              static_cast<std::uint8_t>(record.public_keys.size() & 0xff)};
  for (const Bytes& key : record.public_keys) {
    bytes.push_back(static_cast<std::uint8_t>(key.size() >> 8));
    bytes.push_back(static_cast<std::uint8_t>(key.size() & 0xff));
    bytes.insert(bytes.end(), key.begin(), key.end());
  }
  return bytes;
}

Result<DeviceRecord> decode_device(ByteView bytes) {
  if (bytes.size() < 3) return Error(ErrorCode::kMalformed, "stored device record is truncated");
  DeviceRecord record;
  record.revoked = (bytes[0] & kRevokedFlag) != 0;
  record.equivocated = (bytes[0] & kEquivocatedFlag) != 0;
  std::size_t count = static_cast<std::size_t>(bytes[1]) << 8 | bytes[2];
  std::size_t at = 3;
  for (std::size_t i = 0; i < count; ++i) {
    if (at + 2 > bytes.size())
      return Error(ErrorCode::kMalformed, "stored device record is truncated");
    std::size_t length = static_cast<std::size_t>(bytes[at]) << 8 | bytes[at + 1];
    at += 2;
    if (at + length > bytes.size())
      return Error(ErrorCode::kMalformed, "stored device record is truncated");
    record.public_keys.emplace_back(bytes.begin() + static_cast<long>(at),
                                    bytes.begin() + static_cast<long>(at + length));
    at += length;
  }
  return record;
}

Result<BatchItem> item_from_height_key(ByteView key) {
  if (key.size() != kHeightKeySize)
    return Error(ErrorCode::kMalformed, "stored block key is not device id and height");
  BatchItem item;
  VS_TRY_ASSIGN(item.device, chain::DeviceId::from_bytes(key.first(chain::DeviceId::kSize)));
  item.height = get_u64_be(key.data() + chain::DeviceId::kSize);
  return item;
}

// root (32) | count (4, big-endian) | count x (device id | height)
Bytes encode_batch(const OpenBatch& batch) {
  Bytes out(batch.root.begin(), batch.root.end());
  std::uint32_t count = static_cast<std::uint32_t>(batch.items.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(count >> shift));
  for (const BatchItem& item : batch.items) {
    Bytes key = height_key(item.device, item.height);
    out.insert(out.end(), key.begin(), key.end());
  }
  return out;
}

Result<OpenBatch> decode_batch(ByteView key, ByteView bytes) {
  if (key.size() != 8) return Error(ErrorCode::kMalformed, "stored batch id is not 8 bytes");
  if (bytes.size() < 36) return Error(ErrorCode::kMalformed, "stored batch is truncated");
  OpenBatch batch;
  batch.batch_id = get_u64_be(key.data());
  std::copy(bytes.begin(), bytes.begin() + 32, batch.root.begin());
  std::size_t count = static_cast<std::size_t>(bytes[32]) << 24 |
                      static_cast<std::size_t>(bytes[33]) << 16 |
                      static_cast<std::size_t>(bytes[34]) << 8 | bytes[35];
  if (bytes.size() != 36 + count * kHeightKeySize)
    return Error(ErrorCode::kMalformed, "stored batch has a bad size");
  for (std::size_t i = 0; i < count; ++i) {
    VS_TRY_ASSIGN(BatchItem item,
                  item_from_height_key(bytes.subspan(36 + i * kHeightKeySize, kHeightKeySize)));
    batch.items.push_back(item);
  }
  return batch;
}

Bytes encode_intent(const AnchorIntent& intent) {
  Bytes out = platform::u64_key(intent.batch_id);
  out.insert(out.end(), intent.root.begin(), intent.root.end());
  std::uint32_t count = static_cast<std::uint32_t>(intent.blocks.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(count >> shift));
  for (const QueuedBlock& block : intent.blocks) {
    Bytes arrival = platform::u64_key(block.arrival_ms);
    Bytes key = height_key(block.item.device, block.item.height);
    out.insert(out.end(), arrival.begin(), arrival.end());
    out.insert(out.end(), key.begin(), key.end());
    out.insert(out.end(), block.item.block_hash.begin(), block.item.block_hash.end());
  }
  out.insert(out.end(), intent.prepared.begin(), intent.prepared.end());
  return out;
}

Result<AnchorIntent> decode_intent(ByteView bytes) {
  if (bytes.size() < 44) return Error(ErrorCode::kMalformed, "stored anchor intent is truncated");
  AnchorIntent intent;
  intent.batch_id = get_u64_be(bytes.data());
  std::copy(bytes.begin() + 8, bytes.begin() + 40, intent.root.begin());
  std::size_t count = static_cast<std::size_t>(bytes[40]) << 24 |
                      static_cast<std::size_t>(bytes[41]) << 16 |
                      static_cast<std::size_t>(bytes[42]) << 8 | bytes[43];
  if (bytes.size() < 44 + count * kIntentBlockSize)
    return Error(ErrorCode::kMalformed, "stored anchor intent is truncated");
  for (std::size_t i = 0; i < count; ++i) {
    ByteView block = bytes.subspan(44 + i * kIntentBlockSize, kIntentBlockSize);
    QueuedBlock queued;
    queued.arrival_ms = get_u64_be(block.data());
    VS_TRY_ASSIGN(queued.item, item_from_height_key(block.subspan(8, kHeightKeySize)));
    std::copy(block.begin() + 8 + static_cast<long>(kHeightKeySize), block.end(),
              queued.item.block_hash.begin());
    intent.blocks.push_back(queued);
  }
  auto prepared = bytes.subspan(44 + count * kIntentBlockSize);
  intent.prepared.assign(prepared.begin(), prepared.end());
  return intent;
}

Result<QueuedBlock> queued_from(const platform::Record& record) {
  if (record.key.size() != 8 + kHeightKeySize || record.value.size() != 32)
    return Error(ErrorCode::kMalformed, "stored unanchored record has a bad size");
  QueuedBlock queued;
  queued.arrival_ms = get_u64_be(record.key.data());
  VS_TRY_ASSIGN(queued.item, item_from_height_key(ByteView(record.key).subspan(8)));
  VS_TRY_ASSIGN(queued.item.block_hash,
                to_array<32>(record.value, "stored block hash is not 32 bytes"));
  return queued;
}

Bytes access_key(std::uint64_t time_ms, std::uint64_t order) {
  Bytes key = platform::u64_key(time_ms);
  Bytes tail = platform::u64_key(order);
  key.insert(key.end(), tail.begin(), tail.end());
  return key;
}

// Every record of `table` whose key starts with `prefix`.
template <typename Visit>
Status for_each_with_prefix(const platform::StoreReader& store, platform::TableId table,
                            ByteView prefix, Visit&& visit) {
  return platform::for_each_record(
      store, table, prefix, [&](const platform::Record& record) -> Result<bool> {
        if (record.key.size() < prefix.size() ||
            !std::equal(prefix.begin(), prefix.end(), record.key.begin()))
          return false;
        VS_TRY(visit(record));
        return true;
      });
}

// Point reads go through `point` (a transaction's staged writes, or the
// store), listings through `scans` (what the transaction began from).
class Reads {
 public:
  Reads(const platform::StoreReader& scans, const platform::StagedWrites* staged)
      : scans_(scans), staged_(staged) {}

  Result<std::optional<Bytes>> get(platform::TableId table, ByteView key) const {
    return staged_ != nullptr ? staged_->get(table, key) : scans_.get(table, key);
  }
  const platform::StoreReader& scans() const { return scans_; }

 private:
  const platform::StoreReader& scans_;
  const platform::StagedWrites* staged_;
};

// The reads of every view of this backend: the state itself, a snapshot,
// a transaction.
template <typename Base>
class KeyValueReads : public Base {
 public:
  Result<std::optional<DeviceRecord>> device(const chain::DeviceId& device) const override {
    VS_TRY_ASSIGN(auto stored, reads().get(kDevicesTable, device_key(device)));
    if (!stored) return std::optional<DeviceRecord>();
    VS_TRY_ASSIGN(DeviceRecord record, decode_device(*stored));
    return std::optional<DeviceRecord>(std::move(record));
  }
  Result<std::vector<std::pair<chain::DeviceId, DeviceRecord>>> devices() const override {
    std::vector<std::pair<chain::DeviceId, DeviceRecord>> out;
    VS_TRY(platform::for_each_record(
        reads().scans(), kDevicesTable, {}, [&](const platform::Record& stored) -> Result<bool> {
          VS_TRY_ASSIGN(chain::DeviceId id, chain::DeviceId::from_bytes(stored.key));
          VS_TRY_ASSIGN(DeviceRecord record, decode_device(stored.value));
          out.emplace_back(id, std::move(record));
          return true;
        }));
    return out;
  }
  Result<std::optional<Bytes>> certificate(const chain::DeviceId& device) const override {
    return reads().get(kCertificatesTable, device_key(device));
  }
  Result<std::optional<chain::ChainTip>> tip(const chain::DeviceId& device) const override {
    VS_TRY_ASSIGN(auto stored, reads().get(kTipsTable, device_key(device)));
    if (!stored) return std::optional<chain::ChainTip>();
    VS_TRY_ASSIGN(chain::ChainTip value, chain::ChainTip::decode(*stored));
    return std::optional<chain::ChainTip>(value);
  }
  Result<std::optional<Bytes>> block(const chain::DeviceId& device,
                                     std::uint64_t height) const override {
    return reads().get(kBlocksTable, height_key(device, height));
  }
  Result<std::vector<std::pair<std::uint64_t, Bytes>>> blocks(const chain::DeviceId& device,
                                                              std::uint64_t from_height,
                                                              std::size_t limit) const override {
    std::vector<std::pair<std::uint64_t, Bytes>> out;
    if (limit == 0) return out;
    Bytes prefix = device_key(device);
    VS_TRY(platform::for_each_record(
        reads().scans(), kBlocksTable, height_key(device, from_height),
        [&](const platform::Record& stored) -> Result<bool> {
          if (stored.key.size() != kHeightKeySize ||
              !std::equal(prefix.begin(), prefix.end(), stored.key.begin()))
            return false;  // past this device's blocks
          VS_TRY_ASSIGN(BatchItem item, item_from_height_key(stored.key));
          out.emplace_back(item.height, stored.value);
          return out.size() < limit;
        }));
    return out;
  }
  Result<std::optional<Bytes>> held(const chain::DeviceId& device,
                                    std::uint64_t height) const override {
    return reads().get(kHeldTable, height_key(device, height));
  }
  Result<std::uint64_t> held_count(const chain::DeviceId& device) const override {
    std::uint64_t count = 0;
    VS_TRY(for_each_with_prefix(reads().scans(), kHeldTable, device_key(device),
                                [&](const platform::Record&) -> Status {
                                  ++count;
                                  return {};
                                }));
    return count;
  }
  Result<std::vector<Bytes>> evidence(const chain::DeviceId& device) const override {
    std::vector<Bytes> out;
    VS_TRY(for_each_with_prefix(reads().scans(), kEvidenceTable, device_key(device),
                                [&](const platform::Record& record) -> Status {
                                  out.push_back(record.value);
                                  return {};
                                }));
    return out;
  }
  Result<std::vector<QueuedBlock>> queue(std::size_t limit) const override {
    VS_TRY_ASSIGN(auto records, reads().scans().scan(kUnanchoredTable, {}, limit));
    std::vector<QueuedBlock> out;
    out.reserve(records.size());
    for (const platform::Record& record : records) {
      VS_TRY_ASSIGN(QueuedBlock queued, queued_from(record));
      out.push_back(queued);
    }
    return out;
  }
  Result<std::uint64_t> queue_size() const override {
    return reads().scans().count(kUnanchoredTable);
  }
  Result<std::optional<Bytes>> receipt(const chain::DeviceId& device,
                                       std::uint64_t height) const override {
    return reads().get(kReceiptsTable, height_key(device, height));
  }
  Result<std::uint64_t> next_batch_id() const override {
    VS_TRY_ASSIGN(auto stored, reads().get(kMetaTable, as_bytes(kNextBatchIdKey)));
    if (!stored) return std::uint64_t{1};
    if (stored->size() != 8)
      return Error(ErrorCode::kMalformed, "stored next batch id is not 8 bytes");
    return get_u64_be(stored->data());
  }
  Result<std::vector<OpenBatch>> open_batches(std::size_t limit) const override {
    VS_TRY_ASSIGN(auto records, reads().scans().scan(kBatchesTable, {}, limit));
    std::vector<OpenBatch> out;
    for (const platform::Record& record : records) {
      VS_TRY_ASSIGN(OpenBatch batch, decode_batch(record.key, record.value));
      out.push_back(std::move(batch));
    }
    return out;
  }
  Result<std::uint64_t> open_batch_count() const override {
    return reads().scans().count(kBatchesTable);
  }
  Result<std::vector<AnchorRecord>> anchors(std::uint64_t from_batch_id,
                                            std::size_t limit) const override {
    VS_TRY_ASSIGN(auto records,
                  reads().scans().scan(kAnchorsTable, platform::u64_key(from_batch_id), limit));
    std::vector<AnchorRecord> out;
    for (const platform::Record& record : records) {
      if (record.key.size() != 8)
        return Error(ErrorCode::kMalformed, "stored batch id is not 8 bytes");
      VS_TRY_ASSIGN(AnchorRecord anchor,
                    AnchorRecord::decode(get_u64_be(record.key.data()), record.value));
      out.push_back(std::move(anchor));
    }
    return out;
  }
  Result<std::uint64_t> ledger_size() const override { return reads().scans().count(kLedgerTable); }
  Result<std::optional<Bytes>> ledger_entry(std::uint64_t index) const override {
    return reads().get(kLedgerTable, platform::u64_key(index));
  }
  Result<std::vector<Bytes>> ledger_entries(std::uint64_t from_index,
                                            std::size_t limit) const override {
    VS_TRY_ASSIGN(auto records,
                  reads().scans().scan(kLedgerTable, platform::u64_key(from_index), limit));
    std::vector<Bytes> out;
    out.reserve(records.size());
    for (platform::Record& record : records) out.push_back(std::move(record.value));
    return out;
  }
  Result<std::vector<StoredAccess>> access_records() const override {
    std::vector<StoredAccess> out;
    VS_TRY(platform::for_each_record(
        reads().scans(), kAccessTable, {}, [&](const platform::Record& record) -> Result<bool> {
          if (record.key.size() != 16)
            return Error(ErrorCode::kMalformed, "stored access key is not 16 bytes");
          out.push_back({get_u64_be(record.key.data()),
                         std::string(record.value.begin(), record.value.end())});
          return true;
        }));
    return out;
  }
  Result<std::vector<ClusterMember>> members() const override {
    std::vector<ClusterMember> out;
    VS_TRY(for_each_with_prefix(
        reads().scans(), kMetaTable, as_bytes(kMemberPrefix),
        [&](const platform::Record& record) -> Status {
          if (record.value.size() != 8)
            return Error(ErrorCode::kMalformed, "stored heartbeat is not 8 bytes");
          out.push_back({std::string(record.key.begin() + kMemberPrefix.size(), record.key.end()),
                         get_u64_be(record.value.data())});
          return {};
        }));
    return out;
  }
  Result<std::optional<AnchorIntent>> anchor_intent() const override {
    VS_TRY_ASSIGN(auto stored, reads().get(kMetaTable, as_bytes(kAnchorIntentKey)));
    if (!stored) return std::optional<AnchorIntent>();
    VS_TRY_ASSIGN(AnchorIntent intent, decode_intent(*stored));
    return std::optional<AnchorIntent>(std::move(intent));
  }
  Result<std::optional<AnchorLease>> anchor_lease() const override {
    VS_TRY_ASSIGN(auto stored, reads().get(kMetaTable, as_bytes(kAnchorLeaseKey)));
    if (!stored) return std::optional<AnchorLease>();
    if (stored->size() < 8) return Error(ErrorCode::kMalformed, "stored lease is truncated");
    return std::optional<AnchorLease>(
        AnchorLease{std::string(stored->begin() + 8, stored->end()), get_u64_be(stored->data())});
  }

 protected:
  virtual Reads reads() const = 0;
};

class KeyValueSnapshot final : public KeyValueReads<GatewayStateReader> {
 public:
  explicit KeyValueSnapshot(std::unique_ptr<platform::StoreReader> snapshot)
      : snapshot_(std::move(snapshot)) {}

 private:
  Reads reads() const override { return Reads(*snapshot_, nullptr); }
  std::unique_ptr<platform::StoreReader> snapshot_;
};

class KeyValueTransaction final : public KeyValueReads<GatewayTransaction> {
 public:
  explicit KeyValueTransaction(std::unique_ptr<platform::StoreTransaction> transaction)
      : transaction_(std::move(transaction)), writes_(*transaction_) {}

  void put_device(const chain::DeviceId& device, const DeviceRecord& record) override {
    writes_.put(kDevicesTable, device_key(device), encode_device(record));
  }
  void put_certificate(const chain::DeviceId& device, ByteView certificate_der) override {
    writes_.put(kCertificatesTable, device_key(device), certificate_der);
  }
  void put_tip(const chain::DeviceId& device, const chain::ChainTip& tip) override {
    writes_.put(kTipsTable, device_key(device), tip.encode());
  }
  void put_block(const chain::DeviceId& device, std::uint64_t height,
                 ByteView block_bytes) override {
    writes_.put(kBlocksTable, height_key(device, height), block_bytes);
  }
  void hold(const chain::DeviceId& device, std::uint64_t height, ByteView block_bytes) override {
    writes_.put(kHeldTable, height_key(device, height), block_bytes);
  }
  void release_held(const chain::DeviceId& device, std::uint64_t height) override {
    writes_.erase(kHeldTable, height_key(device, height));
  }
  void put_evidence(const chain::DeviceId& device, std::uint64_t height, const Digest& block_hash,
                    ByteView block_bytes) override {
    Bytes key = height_key(device, height);
    key.insert(key.end(), block_hash.begin(), block_hash.end());
    writes_.put(kEvidenceTable, key, block_bytes);
  }
  void enqueue(const QueuedBlock& queued) override {
    writes_.put(kUnanchoredTable,
                queue_key(queued.arrival_ms, height_key(queued.item.device, queued.item.height)),
                queued.item.block_hash);
  }
  void dequeue(const QueuedBlock& queued) override {
    writes_.erase(kUnanchoredTable,
                  queue_key(queued.arrival_ms, height_key(queued.item.device, queued.item.height)));
  }
  void forget_block(const chain::DeviceId& device, std::uint64_t height) override {
    writes_.erase(kBlocksTable, height_key(device, height));
    writes_.erase(kReceiptsTable, height_key(device, height));
  }
  void forget_tip(const chain::DeviceId& device) override {
    writes_.erase(kTipsTable, device_key(device));
  }
  void put_receipt(const chain::DeviceId& device, std::uint64_t height, ByteView receipt) override {
    writes_.put(kReceiptsTable, height_key(device, height), receipt);
  }
  void set_next_batch_id(std::uint64_t batch_id) override {
    writes_.put(kMetaTable, as_bytes(kNextBatchIdKey), platform::u64_key(batch_id));
  }
  void open_batch(const OpenBatch& batch) override {
    writes_.put(kBatchesTable, platform::u64_key(batch.batch_id), encode_batch(batch));
  }
  void close_batch(std::uint64_t batch_id) override {
    writes_.erase(kBatchesTable, platform::u64_key(batch_id));
  }
  void put_anchor(const AnchorRecord& anchor) override {
    writes_.put(kAnchorsTable, platform::u64_key(anchor.batch_id), anchor.encode());
  }
  void put_ledger_entry(std::uint64_t index, ByteView entry) override {
    writes_.put(kLedgerTable, platform::u64_key(index), entry);
  }
  void put_access(std::uint64_t time_ms, std::uint64_t order, std::string_view text) override {
    writes_.put(kAccessTable, access_key(time_ms, order), as_bytes(text));
  }
  void put_member(const ClusterMember& member) override {
    writes_.put(kMetaTable, as_bytes(std::string(kMemberPrefix) + member.name),
                platform::u64_key(member.heartbeat_ms));
  }
  void put_anchor_intent(const AnchorIntent& intent) override {
    writes_.put(kMetaTable, as_bytes(kAnchorIntentKey), encode_intent(intent));
  }
  void clear_anchor_intent() override { writes_.erase(kMetaTable, as_bytes(kAnchorIntentKey)); }
  void put_anchor_lease(const AnchorLease& lease) override {
    Bytes value = platform::u64_key(lease.expires_ms);
    value.insert(value.end(), lease.holder.begin(), lease.holder.end());
    writes_.put(kMetaTable, as_bytes(kAnchorLeaseKey), value);
  }

  Status read_ahead(std::span<const chain::DeviceId> devices, std::size_t held_depth) override {
    if (!transaction_->reads_are_round_trips()) return {};  // LMDB: nothing to save
    std::vector<platform::TableKey> keys;
    for (const chain::DeviceId& device : devices) {
      keys.push_back({kDevicesTable, device_key(device)});
      keys.push_back({kTipsTable, device_key(device)});
    }
    VS_TRY(writes_.read_ahead(keys));
    keys.clear();
    for (const chain::DeviceId& device : devices) {
      VS_TRY_ASSIGN(auto known, tip(device));
      std::uint64_t next = known ? known->height + 1 : 0;
      for (std::size_t i = 0; i < held_depth; ++i)
        keys.push_back({kHeldTable, height_key(device, next + i)});
    }
    return writes_.read_ahead(keys);
  }

  std::uint64_t staged_bytes() const override {
    std::uint64_t bytes = 0;
    for (const auto& operation : writes_.batch().operations())
      bytes += operation.key.size() + operation.value.size();
    return bytes;
  }
  bool empty() const override { return writes_.empty(); }
  Status commit(bool durable) override { return transaction_->commit(writes_.batch(), durable); }

 private:
  Reads reads() const override { return Reads(*transaction_, &writes_); }
  std::unique_ptr<platform::StoreTransaction> transaction_;
  platform::StagedWrites writes_;
};

class KeyValueGatewayState final : public KeyValueReads<GatewayState> {
 public:
  KeyValueGatewayState(std::unique_ptr<platform::Store> owned, platform::Store& store)
      : owned_(std::move(owned)), store_(store) {}

  Result<std::unique_ptr<GatewayTransaction>> begin() override {
    VS_TRY_ASSIGN(auto transaction, store_.begin());
    return std::unique_ptr<GatewayTransaction>(
        std::make_unique<KeyValueTransaction>(std::move(transaction)));
  }
  Result<std::unique_ptr<GatewayStateReader>> snapshot() const override {
    VS_TRY_ASSIGN(auto snapshot, store_.snapshot());
    return std::unique_ptr<GatewayStateReader>(
        std::make_unique<KeyValueSnapshot>(std::move(snapshot)));
  }
  Result<platform::StoreUsage> usage() const override { return store_.usage(); }

 private:
  Reads reads() const override { return Reads(store_, nullptr); }  // each call: the latest commit
  std::unique_ptr<platform::Store> owned_;
  platform::Store& store_;
};

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

std::unique_ptr<GatewayState> make_key_value_gateway_state(platform::Store& store) {
  return std::make_unique<KeyValueGatewayState>(nullptr, store);
}

std::unique_ptr<GatewayState> make_key_value_gateway_state(std::unique_ptr<platform::Store> owned) {
  platform::Store& store = *owned;
  return std::make_unique<KeyValueGatewayState>(std::move(owned), store);
}

StoreBackend store_backend_of(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://")
             ? StoreBackend::kPostgres
             : StoreBackend::kLmdb;
}

namespace {

Result<std::unique_ptr<platform::Store>> open_lmdb(const GatewayStoreOptions& options) {
  platform::LmdbStoreOptions lmdb;
  lmdb.directory = options.location;
  lmdb.tables = kGatewayTableNames;
  lmdb.read_only = options.access == StoreAccess::kRead;
  lmdb.initial_map_bytes = std::min<std::uint64_t>(64ULL << 20, options.max_bytes);
  lmdb.max_map_bytes = options.max_bytes;
  lmdb.durability = options.durability;
  lmdb.create = false;
  auto store = platform::LmdbStore::open(lmdb);
  if (!store && store.error().code() == ErrorCode::kNotFound &&
      options.access == StoreAccess::kCreate) {
    lmdb.create = true;  // only where there is no store at all
    store = platform::LmdbStore::open(lmdb);
  }
  if (!store) return std::move(store).error();
  return std::unique_ptr<platform::Store>(std::move(store).value());
}

Result<std::unique_ptr<platform::Store>> open_postgres(const GatewayStoreOptions& options) {
#ifndef VS_HAVE_POSTGRES
  (void)options;
  return Error(ErrorCode::kUnsupported,
               "this build has no PostgreSQL backend (built with VS_POSTGRES=OFF)");
#else
  platform::PostgresStoreOptions postgres;
  postgres.connection = options.location;
  postgres.schema = options.postgres_schema;
  postgres.tables = kGatewayTableNames;
  postgres.max_bytes = options.max_bytes;
  postgres.create = options.access == StoreAccess::kCreate;
  auto store = platform::PostgresStore::open(postgres);
  if (!store) return std::move(store).error();
  return std::unique_ptr<platform::Store>(std::move(store).value());
#endif
}

}  // namespace

Result<std::unique_ptr<GatewayState>> open_gateway_store(const GatewayStoreOptions& options) {
  // The connection string may hold a password: errors name the schema.
  bool postgres = options.backend == StoreBackend::kPostgres;
  std::string named = postgres ? "PostgreSQL schema " + options.postgres_schema : options.location;
  auto store = postgres ? open_postgres(options) : open_lmdb(options);
  if (!store && store.error().code() == ErrorCode::kNotFound)
    return Error(ErrorCode::kNotFound, "no gateway store here").about(named);
  if (!store && store.error().code() == ErrorCode::kConflict) {
    return Error(ErrorCode::kInvalidArgument,
                 "is not a gateway store (it lacks the gateway's tables: an agent's store?)")
        .about(named);
  }
  // An LMDB store's errors name its directory already.
  if (!store) return postgres ? std::move(store).error().about(named) : std::move(store).error();
  Status format = platform::open_store_format(**store, kGatewayStoreFormat,
                                              options.access != StoreAccess::kRead);
  if (!format) return std::move(format).error().about(named);
  return make_key_value_gateway_state(std::move(store).value());
}

}  // namespace vs::gateway
