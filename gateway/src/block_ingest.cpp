#include "vs/gateway/block_ingest.h"
#include "vs/chain/opened_block.h"

#include <map>

#include "vs/gateway/local_ledger.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {

namespace {

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

Result<IngestResult> BlockIngest::ingest(std::string_view topic_device, ByteView block_bytes) {
  BlockMessage message{topic_device, block_bytes};
  VS_TRY_ASSIGN(auto results, ingest_all(std::span<const BlockMessage>(&message, 1)));
  return std::move(results.front());
}

Result<std::vector<IngestResult>> BlockIngest::ingest_all(std::span<const BlockMessage> messages) {
  // Another gateway on a shared state may have taken one of these heights
  // (or filled a gap) meanwhile: the batch is decided again on what it did.
  return retry_on_conflict([&] { return ingest_once(messages); });
}

Result<std::vector<IngestResult>> BlockIngest::ingest_once(std::span<const BlockMessage> messages) {
  // One transaction for the whole batch, not one per lookup (three per
  // block). In one gateway only this thread writes these devices' state
  // (the daemon gives each device to one verify thread); an enrolment or a
  // revocation made meanwhile from the command line counts from the next
  // batch, milliseconds later.
  VS_TRY_ASSIGN(auto changes, state_.begin());
  // What ingest will read, at once: each device's record and tip, and the
  // held blocks its blocks here may release.
  std::map<chain::DeviceId, std::size_t> arriving;
  for (const BlockMessage& message : messages)
    if (auto device = chain::DeviceId::from_hex(message.topic_device)) ++arriving[*device];
  std::vector<chain::DeviceId> devices;
  std::size_t most = 0;
  for (const auto& [device, count] : arriving) {
    devices.push_back(device);
    most = std::max(most, count);
  }
  VS_TRY(changes->read_ahead(devices, most + 1));
  std::vector<IngestResult> results;
  results.reserve(messages.size());
  for (const BlockMessage& message : messages) {
    VS_TRY_ASSIGN(IngestResult result, ingest_one(message, *changes));
    results.push_back(std::move(result));
  }
  if (changes->empty()) return results;
  VS_TRY_ASSIGN(bool refused, over_reserve(*changes, results));
  if (refused) return results;
  VS_TRY(changes->commit(false));  // the anchorer makes it durable before any receipt
  return results;
}

Result<bool> BlockIngest::over_reserve(const GatewayTransaction& changes,
                                       std::vector<IngestResult>& results) const {
  // New blocks stop short of the store's limit (its ceiling, or the
  // filesystem's room) by what anchoring every queued block will write, and
  // a sixteenth for the rest: a full gateway drains instead of stalling.
  VS_TRY_ASSIGN(platform::StoreUsage usage, state_.usage());
  VS_TRY_ASSIGN(std::uint64_t queued, state_.queue_size());
  std::uint64_t accepting = 0;
  for (const IngestResult& result : results) accepting += result.accepted.size();
  std::uint64_t kept_free =
      (queued + accepting) * kAnchorRoomPerBlockBytes + usage.limit_bytes / 16;
  if (usage.used_bytes + changes.staged_bytes() + kept_free <= usage.limit_bytes) return false;
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
  return true;
}

bool BlockIngest::anchored_by_us(const GatewayStateReader& view, const chain::DeviceId& device,
                                 std::uint64_t height, const Digest& block_hash, ByteView receipt,
                                 std::string& why) const {
  if (own_receipts_ == nullptr) {
    why = "this gateway does not take receipts back";
    return false;
  }
  auto body = own_receipts_->verify(receipt, {device, height, block_hash});
  if (!body) {
    why = body.error().message();
    return false;
  }
  if (body->state == proto::ReceiptState::kPending) {
    why = "the receipt is a pending one (the block was never anchored)";
    return false;
  }
  // On this gateway's own log, the batch must still be in it: a log
  // restored from an older copy lost it, and cannot prove it any more.
  if (body->ledger.kind == proto::LedgerKind::kLocal) {
    auto held = LocalLedger::holds_batch_of(view, *body);
    if (!held) {
      why = held.error().message();
      return false;
    }
  }
  return true;
}

Result<IngestResult> BlockIngest::ingest_one(const BlockMessage& message,
                                             GatewayTransaction& changes) {
  std::string_view topic_device = message.topic_device;
  ByteView block_bytes = message.block_bytes;
  IngestResult result;
  auto device = chain::DeviceId::from_hex(topic_device);
  if (!device)
    return rejected(result, Rejection::kTopicMismatch, "topic does not name a device id");
  result.device = *device;
  VS_TRY_ASSIGN(auto record, changes.device(*device));
  if (!record) return rejected(result, Rejection::kUnknownDevice, "device is not enrolled");
  if (record->revoked) return rejected(result, Rejection::kRevokedDevice, "device is revoked");
  auto opened = chain::OpenedBlock::open(sha_, block_bytes);
  if (!opened) return rejected(result, Rejection::kMalformed, opened.error().message());
  const proto::Block& block = opened->block;
  const proto::BlockHeader* header = &opened->header;
  result.height = header->height;
  if (!equal(header->device_id, device->bytes())) {
    return rejected(result, Rejection::kTopicMismatch, "block names another device than its topic");
  }
  ByteView anchored_receipt;
  if (!message.receipt.empty()) {
    if (anchored_by_us(changes, *device, header->height, opened->hash, message.receipt,
                       result.receipt_refused))
      anchored_receipt = message.receipt;
  }
  VS_TRY_ASSIGN(auto tip, changes.tip(*device));
  std::uint64_t next = tip ? tip->height + 1 : 0;
  if (header->height == next) {
    return accept_in_order(std::move(result), *record, tip, block, opened->header, block_bytes,
                           anchored_receipt, changes);
  }

  // Out of order: the block must stand on its own before it is kept.
  if (header->key_index >= record->public_keys.size()) {
    return rejected(result, Rejection::kBadSignature,
                    "block names a key index the device never announced");
  }
  VS_TRY_ASSIGN(auto key, keys_.make_verifier(record->public_keys[header->key_index]));
  chain::BlockFault fault = chain::BlockFault::kNone;
  auto alone = chain::BlockVerifier(sha_).verify(block, *header, *device, *key, &fault);
  if (!alone) return rejected(result, from_fault(fault), alone.error().message());

  if (header->height > next) {
    changes.hold(*device, header->height, block_bytes);
    // Kept beside it: when the gap fills, the block is not queued again.
    if (!anchored_receipt.empty()) changes.put_receipt(*device, header->height, anchored_receipt);
    result.kind = IngestResult::Kind::kHeld;
    result.resend = std::make_pair(next, header->height - 1);
    return result;
  }
  VS_TRY_ASSIGN(auto stored, changes.block(*device, header->height));
  if (stored) {
    auto stored_block = chain::OpenedBlock::open(sha_, *stored);
    if (stored_block && stored_block->hash == alone->hash) {
      result.kind = IngestResult::Kind::kDuplicate;
      return result;
    }
  }
  // A second, validly signed block at a height already taken.
  changes.put_evidence(*device, header->height, alone->hash, block_bytes);
  DeviceRegistry::flag_equivocation(changes, *device, *record);
  result.kind = IngestResult::Kind::kEquivocation;
  result.detail = "two different blocks signed at height " + std::to_string(header->height);
  return result;
}

Result<IngestResult> BlockIngest::accept_in_order(IngestResult result, const DeviceRecord& record,
                                                  std::optional<chain::ChainTip> tip,
                                                  const proto::Block& block,
                                                  proto::BlockHeader header, ByteView block_bytes,
                                                  ByteView anchored_receipt,
                                                  GatewayTransaction& changes) {
  auto follower = tip ? chain::ChainVerifier::resume(sha_, keys_, record.public_keys, *tip)
                      : chain::ChainVerifier::from_genesis(sha_, keys_, record.public_keys.front());
  if (!follower) return std::move(follower).error();
  chain::BlockFault fault = chain::BlockFault::kNone;
  auto verified = follower->append(block, std::move(header), &fault);
  if (!verified) return rejected(std::move(result), from_fault(fault), verified.error().message());

  std::uint64_t arrival_ms = clock_.wall_ms();                             // orders the queue only
  changes.put_block(result.device, verified->header.height, block_bytes);  // as sent
  if (anchored_receipt.empty()) {
    changes.enqueue({arrival_ms, {result.device, verified->header.height, verified->hash}});
  } else {
    changes.put_receipt(result.device, verified->header.height, anchored_receipt);
    ++result.kept_anchored;
  }
  result.accepted.push_back(std::move(verified).value());
  // Blocks held past the gap this one filled follow it now.
  for (;;) {
    std::uint64_t next = follower->tip()->height + 1;
    VS_TRY_ASSIGN(auto held, changes.held(result.device, next));
    if (!held) break;
    changes.release_held(result.device, next);
    auto released = follower->append(ByteView(*held));
    if (!released) break;  // held on its own merits, but it does not link: drop it, ask again later
    changes.put_block(result.device, next, *held);
    // A receipt kept beside a held block came back with it from its device.
    VS_TRY_ASSIGN(auto receipt, changes.receipt(result.device, next));
    std::string ignored;
    if (receipt &&
        anchored_by_us(changes, result.device, next, released->hash, *receipt, ignored)) {
      ++result.kept_anchored;
    } else {
      changes.enqueue({arrival_ms, {result.device, next, released->hash}});
    }
    result.accepted.push_back(std::move(released).value());
  }
  changes.put_tip(result.device, *follower->tip());
  if (follower->public_keys().size() != record.public_keys.size())
    DeviceRegistry::record_keys(changes, result.device, record, follower->public_keys());
  result.kind = IngestResult::Kind::kAccepted;
  return result;
}

}  // namespace vs::gateway
