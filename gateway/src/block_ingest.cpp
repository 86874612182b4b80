#include "vs/gateway/block_ingest.h"

#include <chrono>

#include "vs/proto/wire_codec.h"

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

// Orders the anchoring queue only: a wall clock set back makes a block wait
// a little longer, nothing more.
std::uint64_t arrival_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

constexpr std::uint8_t kRevokedFlag = 1;
constexpr std::uint8_t kEquivocatedFlag = 2;

Result<BlockIngest::DeviceRecord> decode_record(ByteView bytes) {
  if (bytes.size() < 3) return Error(ErrorCode::kMalformed, "stored device record is truncated");
  BlockIngest::DeviceRecord record;
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

Rejection from_fault(chain::BlockFault fault) {
  switch (fault) {
    case chain::BlockFault::kDevice:
      return Rejection::kTopicMismatch;
    case chain::BlockFault::kSignature:
      return Rejection::kBadSignature;
    case chain::BlockFault::kContent:
      return Rejection::kBadContent;
    case chain::BlockFault::kLink:
      return Rejection::kBadLink;
    case chain::BlockFault::kNone:
    case chain::BlockFault::kFormat:
      break;
  }
  return Rejection::kMalformed;
}

IngestResult rejected(IngestResult result, Rejection why, std::string detail) {
  result.kind = IngestResult::Kind::kRejected;
  result.rejection = why;
  result.detail = std::move(detail);
  return result;
}

}  // namespace

const char* to_string(Rejection rejection) {
  switch (rejection) {
    case Rejection::kUnknownDevice:
      return "unknown_device";
    case Rejection::kRevokedDevice:
      return "revoked_device";
    case Rejection::kTopicMismatch:
      return "topic_mismatch";
    case Rejection::kMalformed:
      return "malformed";
    case Rejection::kBadSignature:
      return "bad_signature";
    case Rejection::kBadContent:
      return "bad_content";
    case Rejection::kBadLink:
      return "bad_link";
    case Rejection::kStoreFull:
      return "store_full";
  }
  return "unknown";
}

Result<std::optional<BlockIngest::DeviceRecord>> BlockIngest::load(
    const chain::DeviceId& device) const {
  return load(device, platform::StagedWrites(store_));
}

Result<std::optional<BlockIngest::DeviceRecord>> BlockIngest::load(
    const chain::DeviceId& device, const platform::StagedWrites& writes) const {
  VS_TRY_ASSIGN(auto stored, writes.get(kDevicesTable, device_key(device)));
  if (!stored) return std::optional<DeviceRecord>();
  VS_TRY_ASSIGN(DeviceRecord record, decode_record(*stored));
  return std::optional<DeviceRecord>(std::move(record));
}

Result<std::vector<std::pair<chain::DeviceId, BlockIngest::DeviceRecord>>> BlockIngest::devices()
    const {
  std::vector<std::pair<chain::DeviceId, DeviceRecord>> out;
  VS_TRY(platform::for_each_record(
      store_, kDevicesTable, {}, [&](const platform::Record& stored) -> Result<bool> {
        VS_TRY_ASSIGN(chain::DeviceId id, chain::DeviceId::from_bytes(stored.key));
        VS_TRY_ASSIGN(DeviceRecord record, decode_record(stored.value));
        out.emplace_back(id, std::move(record));
        return true;
      }));
  return out;
}

Status BlockIngest::save(const chain::DeviceId& device, const DeviceRecord& record,
                         platform::StagedWrites& writes) const {
  Bytes bytes{static_cast<std::uint8_t>((record.revoked ? kRevokedFlag : 0) |
                                        (record.equivocated ? kEquivocatedFlag : 0)),
              static_cast<std::uint8_t>(record.public_keys.size() >> 8),
              static_cast<std::uint8_t>(record.public_keys.size() & 0xff)};
  for (const Bytes& key : record.public_keys) {
    if (key.size() > 0xffff) return Error(ErrorCode::kInvalidArgument, "public key is too long");
    bytes.push_back(static_cast<std::uint8_t>(key.size() >> 8));
    bytes.push_back(static_cast<std::uint8_t>(key.size() & 0xff));
    bytes.insert(bytes.end(), key.begin(), key.end());
  }
  writes.put(kDevicesTable, device_key(device), bytes);
  return {};
}

Result<chain::DeviceId> BlockIngest::enrol(ByteView public_key_der) {
  VS_TRY(keys_.make_verifier(public_key_der));  // must be a P-256 key
  chain::DeviceId device = chain::DeviceId::from_public_key(sha_, public_key_der);
  VS_TRY_ASSIGN(auto existing, load(device));
  if (existing) return device;  // the id is the key's hash: the same key again
  DeviceRecord record;
  record.public_keys.emplace_back(public_key_der.begin(), public_key_der.end());
  platform::StagedWrites writes(store_);
  VS_TRY(save(device, record, writes));
  VS_TRY(store_.commit(writes.batch()));
  return device;
}

Status BlockIngest::revoke(const chain::DeviceId& device) {
  VS_TRY_ASSIGN(auto record, load(device));
  if (!record) return Error(ErrorCode::kNotFound, "no such device is enrolled").about(device.hex());
  record->revoked = true;
  platform::StagedWrites writes(store_);
  VS_TRY(save(device, *record, writes));
  return store_.commit(writes.batch());
}

Status BlockIngest::set_certificate(const chain::DeviceId& device, ByteView certificate_der) {
  VS_TRY_ASSIGN(auto record, load(device));
  if (!record) return Error(ErrorCode::kNotFound, "no such device is enrolled").about(device.hex());
  platform::WriteBatch batch;
  batch.put(kCertificatesTable, device_key(device), certificate_der);
  return store_.commit(batch);
}

Result<std::optional<Bytes>> BlockIngest::certificate(const chain::DeviceId& device) const {
  return store_.get(kCertificatesTable, device_key(device));
}

Result<bool> BlockIngest::is_revoked(const chain::DeviceId& device) const {
  VS_TRY_ASSIGN(auto record, load(device));
  if (!record) return Error(ErrorCode::kNotFound, "no such device is enrolled").about(device.hex());
  return record->revoked;
}

Result<std::optional<chain::ChainTip>> BlockIngest::tip(const chain::DeviceId& device) const {
  return tip(device, platform::StagedWrites(store_));
}

Result<std::optional<chain::ChainTip>> BlockIngest::tip(
    const chain::DeviceId& device, const platform::StagedWrites& writes) const {
  VS_TRY_ASSIGN(auto stored, writes.get(kTipsTable, device_key(device)));
  if (!stored) return std::optional<chain::ChainTip>();
  VS_TRY_ASSIGN(chain::ChainTip value, chain::ChainTip::decode(*stored));
  return std::optional<chain::ChainTip>(value);
}

Result<IngestResult> BlockIngest::ingest(std::string_view topic_device, ByteView block_bytes) {
  BlockMessage message{topic_device, block_bytes};
  VS_TRY_ASSIGN(auto results, ingest_all(std::span<const BlockMessage>(&message, 1)));
  return std::move(results.front());
}

Result<std::vector<IngestResult>> BlockIngest::ingest_all(std::span<const BlockMessage> messages) {
  // One read snapshot for the whole batch, not a read transaction per
  // lookup (three per block). Only this thread writes these devices' state
  // (the daemon gives each device to one verify thread), so the snapshot and
  // the staged writes are all there is to see of them; an enrolment or a
  // revocation made meanwhile from the command line counts from the next
  // batch, milliseconds later.
  VS_TRY_ASSIGN(auto snapshot, store_.snapshot());
  platform::StagedWrites writes(*snapshot);
  std::vector<IngestResult> results;
  results.reserve(messages.size());
  for (const BlockMessage& message : messages) {
    VS_TRY_ASSIGN(IngestResult result,
                  ingest_one(message.topic_device, message.block_bytes, writes));
    results.push_back(std::move(result));
  }
  snapshot.reset();  // it holds the store's size fixed, and the commit may need to grow it
  if (writes.empty()) return results;
  // New blocks stop short of the store's limit (its ceiling, or the
  // filesystem's room) by what anchoring every queued block will write, and
  // a sixteenth for the rest: a full gateway drains instead of stalling.
  VS_TRY_ASSIGN(platform::StoreUsage usage, store_.usage());
  VS_TRY_ASSIGN(std::uint64_t queued, store_.count(kUnanchoredTable));
  std::uint64_t adding = 0;
  std::uint64_t accepting = 0;
  for (const auto& operation : writes.batch().operations())
    adding += operation.key.size() + operation.value.size();
  for (const IngestResult& result : results) accepting += result.accepted.size();
  std::uint64_t kept_free =
      (queued + accepting) * kAnchorRoomPerBlockBytes + usage.limit_bytes / 16;
  if (usage.used_bytes + adding + kept_free > usage.limit_bytes) {
    for (IngestResult& result : results) {
      if (result.kind == IngestResult::Kind::kDuplicate ||
          result.kind == IngestResult::Kind::kRejected)
        continue;
      result = rejected(std::move(result), Rejection::kStoreFull,
                        usage.filesystem_limited
                            ? "the gateway's store is within its reserve of the filesystem's "
                              "free space; the device keeps the block"
                            : "the gateway's store is within its reserve of store.max_mb; the "
                              "device keeps the block");
      result.accepted.clear();
    }
    return results;
  }
  VS_TRY(store_.commit(writes.batch()));
  return results;
}

Result<IngestResult> BlockIngest::ingest_one(std::string_view topic_device, ByteView block_bytes,
                                             platform::StagedWrites& writes) {
  IngestResult result;
  auto device = chain::DeviceId::from_hex(topic_device);
  if (!device)
    return rejected(result, Rejection::kTopicMismatch, "topic does not name a device id");
  result.device = *device;
  VS_TRY_ASSIGN(auto record, load(*device, writes));
  if (!record) return rejected(result, Rejection::kUnknownDevice, "device is not enrolled");
  if (record->revoked) return rejected(result, Rejection::kRevokedDevice, "device is revoked");
  auto block = proto::WireCodec::decode_block(block_bytes);
  if (!block) return rejected(result, Rejection::kMalformed, block.error().message());
  auto header = proto::WireCodec::decode_block_header(block->header);
  if (!header)
    return rejected(result, Rejection::kMalformed, "block header: " + header.error().message());
  result.height = header->height;
  if (!equal(header->device_id, device->bytes())) {
    return rejected(result, Rejection::kTopicMismatch, "block names another device than its topic");
  }
  VS_TRY_ASSIGN(auto tip, tip(*device, writes));
  std::uint64_t next = tip ? tip->height + 1 : 0;
  if (header->height == next) {
    return accept_in_order(std::move(result), *record, tip, *block, std::move(header).value(),
                           block_bytes, writes);
  }

  // Out of order: the block must stand on its own before it is kept.
  if (header->key_index >= record->public_keys.size()) {
    return rejected(result, Rejection::kBadSignature,
                    "block names a key index the device never announced");
  }
  VS_TRY_ASSIGN(auto key, keys_.make_verifier(record->public_keys[header->key_index]));
  chain::BlockFault fault = chain::BlockFault::kNone;
  auto alone = chain::BlockVerifier(sha_).verify(*block, *header, *device, *key, &fault);
  if (!alone) return rejected(result, from_fault(fault), alone.error().message());

  if (header->height > next) {
    writes.put(kHeldTable, height_key(*device, header->height), block_bytes);
    result.kind = IngestResult::Kind::kHeld;
    result.resend = std::make_pair(next, header->height - 1);
    return result;
  }
  VS_TRY_ASSIGN(auto stored, writes.get(kBlocksTable, height_key(*device, header->height)));
  if (stored) {
    auto stored_block = proto::WireCodec::decode_block(*stored);
    if (stored_block && sha_.digest(stored_block->header) == alone->hash) {
      result.kind = IngestResult::Kind::kDuplicate;
      return result;
    }
  }
  // A second, validly signed block at a height already taken.
  Bytes evidence_key = height_key(*device, header->height);
  evidence_key.insert(evidence_key.end(), alone->hash.begin(), alone->hash.end());
  writes.put(kEvidenceTable, evidence_key, block_bytes);
  DeviceRecord flagged = *record;
  flagged.equivocated = true;
  VS_TRY(save(*device, flagged, writes));
  result.kind = IngestResult::Kind::kEquivocation;
  result.detail = "two different blocks signed at height " + std::to_string(header->height);
  return result;
}

Result<IngestResult> BlockIngest::accept_in_order(IngestResult result, const DeviceRecord& record,
                                                  std::optional<chain::ChainTip> tip,
                                                  const proto::Block& block,
                                                  proto::BlockHeader header, ByteView block_bytes,
                                                  platform::StagedWrites& writes) {
  auto follower = tip ? chain::ChainVerifier::resume(sha_, keys_, record.public_keys, *tip)
                      : chain::ChainVerifier::from_genesis(sha_, keys_, record.public_keys.front());
  if (!follower) return std::move(follower).error();
  chain::BlockFault fault = chain::BlockFault::kNone;
  auto verified = follower->append(block, std::move(header), &fault);
  if (!verified) return rejected(std::move(result), from_fault(fault), verified.error().message());

  writes.put(kBlocksTable, height_key(result.device, verified->header.height),
             block_bytes);  // as sent
  std::uint64_t arrival = arrival_ms();
  writes.put(kUnanchoredTable,
             queue_key(arrival, height_key(result.device, verified->header.height)),
             verified->hash);
  result.accepted.push_back(std::move(verified).value());
  // Blocks held past the gap this one filled follow it now.
  for (;;) {
    std::uint64_t next = follower->tip()->height + 1;
    VS_TRY_ASSIGN(auto held, writes.get(kHeldTable, height_key(result.device, next)));
    if (!held) break;
    writes.erase(kHeldTable, height_key(result.device, next));
    auto released = follower->append(ByteView(*held));
    if (!released) break;  // held on its own merits, but it does not link: drop it, ask again later
    writes.put(kBlocksTable, height_key(result.device, next), *held);
    writes.put(kUnanchoredTable, queue_key(arrival, height_key(result.device, next)),
               released->hash);
    result.accepted.push_back(std::move(released).value());
  }
  writes.put(kTipsTable, device_key(result.device), follower->tip()->encode());
  if (follower->public_keys().size() != record.public_keys.size()) {
    DeviceRecord rotated = record;
    rotated.public_keys = follower->public_keys();
    VS_TRY(save(result.device, rotated, writes));
  }
  result.kind = IngestResult::Kind::kAccepted;
  return result;
}

}  // namespace vs::gateway
