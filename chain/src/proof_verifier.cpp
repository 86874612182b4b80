#include "vs/chain/proof_verifier.h"

#include <cmath>

#include "vs/chain/entry_leaf.h"
#include "vs/chain/log_checkpoint.h"
#include "vs/chain/merkle.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/proto/vital_kinds.h"
#include "vs/proto/wire_codec.h"

namespace vs::chain {
namespace {

std::string describe(const proto::Entry& entry) {
  std::string text = "seq " + std::to_string(entry.seq) + ", time " + std::to_string(entry.time_ms);
  if (const auto* reading = std::get_if<proto::Reading>(&entry.body)) {
    for (const auto& info : proto::kVitalKinds) {
      if (info.kind != reading->kind) continue;
      double value = proto::decimal_value(reading->mantissa, reading->exponent);
      char number[64];
      std::snprintf(number, sizeof number, "%g", value);
      text += ", " + std::string(info.name) + " " + number + " " + std::string(info.ucum);
      if (!reading->samples.empty())
        text += " (" + std::to_string(reading->samples.size()) + " samples)";
    }
  } else {
    text += ", an event";
  }
  return text;
}

Result<std::vector<Digest>> digests(const std::vector<std::vector<std::uint8_t>>& hashes,
                                    const char* what) {
  std::vector<Digest> out;
  for (const auto& hash : hashes) {
    VS_TRY_ASSIGN(Digest node, to_array<32>(hash, what));
    out.push_back(node);
  }
  return out;
}

}  // namespace

ProofReport ProofVerifier::verify(const proto::ProofBundle& bundle,
                                  ByteView trusted_gateway_key) const {
  ProofReport report;
  auto pass = [&](const char* name, std::string detail) {
    report.links.push_back({name, true, std::move(detail)});
  };
  auto fail = [&](const char* name, std::string detail) {
    report.links.push_back({name, false, std::move(detail)});
    return report;
  };
  Merkle merkle(sha_);

  // 1. The entry: its exact bytes decode, name the seq claimed, and carry
  // the device's own signature when it was signed alone.
  auto device_key = keys_.make_verifier(bundle.device_public_key);
  if (!device_key) return fail("entry", "device public key: " + device_key.error().message());
  auto entry = proto::WireCodec::decode_entry(bundle.entry);
  if (!entry) return fail("entry", "the entry does not decode: " + entry.error().message());
  report.entry = *entry;
  if (entry->seq != bundle.seq) {
    return fail("entry", "the entry is seq " + std::to_string(entry->seq) + ", the bundle claims " +
                             std::to_string(bundle.seq));
  }
  std::string entry_detail = describe(*entry);
  if (!bundle.entry_signature.empty()) {
    if (!(*device_key)->verify(sha_.digest(bundle.entry), ByteView(bundle.entry_signature)))
      return fail("entry", "the device's signature on the entry does not verify (entry changed?)");
    entry_detail += "; signed by the device";
  }
  pass("entry", entry_detail);

  // 2. Entry -> the block's entries root.
  auto header = proto::WireCodec::decode_block_header(bundle.block_header);
  if (!header)
    return fail("entry path", "the block header does not decode: " + header.error().message());
  report.header = *header;
  auto entry_path = digests(bundle.entry_path, "entry path hash is not 32 bytes");
  auto entries_root = to_array<32>(header->entries_root, "entries root is not 32 bytes");
  if (bundle.blinding.size() != EntryLeaf::kBlindingSize || !entry_path || !entries_root)
    return fail("entry path", "blinding or path hashes have the wrong size");
  Digest leaf = EntryLeaf::hash(sha_, bundle.blinding, bundle.entry);
  auto included = merkle.verify_inclusion(leaf, bundle.entry_index, header->entry_count,
                                          *entry_path, *entries_root);
  if (!included) {
    return fail("entry path", "the blinded entry does not lead to the block's entries root: " +
                                  included.error().message());
  }
  pass("entry path", "leaf " + std::to_string(bundle.entry_index) + " of " +
                         std::to_string(header->entry_count) + " in block " +
                         std::to_string(header->height));

  // 3. The block header: signed by the device whose id it names.
  DeviceId device = DeviceId::from_public_key(sha_, bundle.device_public_key);
  if (header->key_index == 0 && !equal(header->device_id, device.bytes()))
    return fail("block header", "the device key is not the key of the device the header names");
  if (!equal(bundle.device_id, header->device_id))
    return fail("block header", "the header names another device than the bundle");
  Digest block_hash = sha_.digest(bundle.block_header);
  if (!(*device_key)->verify(block_hash, ByteView(bundle.block_signature))) {
    return fail("block header",
                "the device's signature does not verify over this header (header or signature "
                "changed)");
  }
  if (entry->seq < header->first_seq || entry->seq > header->last_seq ||
      bundle.entry_index != entry->seq - header->first_seq) {
    return fail("block header", "the entry's seq is not where the header says the block's are");
  }
  pass("block header", "device " + device.hex() + ", height " + std::to_string(header->height) +
                           ", seq " + std::to_string(header->first_seq) + ".." +
                           std::to_string(header->last_seq) + ", signed by the device");

  // 4. The receipt: signed by the gateway, for this very block.
  ByteView gateway_key_bytes =
      trusted_gateway_key.empty() ? ByteView(bundle.gateway_public_key) : trusted_gateway_key;
  auto gateway_key = keys_.make_verifier(gateway_key_bytes);
  if (!gateway_key) return fail("receipt", "gateway public key: " + gateway_key.error().message());
  ReceiptVerifier receipts(sha_, **gateway_key, gateway_key_bytes);
  auto body = receipts.verify(bundle.receipt, {device, header->height, block_hash});
  if (!body) {
    bool path = body.error().subject() == "receipt batch path";
    return fail(path ? "batch path" : "receipt", body.error().message());
  }
  report.receipt = *body;
  if (body->state == proto::ReceiptState::kPending)
    return fail("receipt", "the receipt is pending: the block is not anchored yet");
  std::string key_hint = to_hex(ReceiptVerifier::key_id(sha_, gateway_key_bytes)).substr(0, 16);
  pass("receipt",
       std::string(body->state == proto::ReceiptState::kFinal ? "final" : "anchored") +
           ", signed by gateway key " + key_hint +
           (trusted_gateway_key.empty() ? " (the bundle's own: pin it with --gateway-key)"
                                        : " (trusted)"));

  // 5. Block -> batch root: the bundle's readable copy must be what the
  // gateway signed, and lead to the root.
  auto batch_path = digests(bundle.batch_path, "batch path hash is not 32 bytes");
  auto batch_root = to_array<32>(bundle.batch_root, "batch root is not 32 bytes");
  if (!batch_path || !batch_root)
    return fail("batch path", "batch root or path has the wrong size");
  if (bundle.batch_id != body->batch_id || !equal(bundle.batch_root, body->batch_root) ||
      bundle.batch_size != body->batch_size || bundle.leaf_index != body->leaf_index ||
      bundle.batch_path != body->inclusion_path) {
    return fail("batch path", "the batch fields differ from what the gateway signed");
  }
  auto in_batch = merkle.verify_inclusion(merkle.leaf_hash(block_hash), bundle.leaf_index,
                                          bundle.batch_size, *batch_path, *batch_root);
  if (!in_batch) return fail("batch path", in_batch.error().message());
  pass("batch path", "leaf " + std::to_string(bundle.leaf_index) + " of " +
                         std::to_string(bundle.batch_size) + " in batch " +
                         std::to_string(bundle.batch_id) + ", root " +
                         to_hex(*batch_root).substr(0, 16));

  // 6. Batch root -> ledger.
  const proto::LedgerRef& ledger = body->ledger;
  if (ledger.kind == proto::LedgerKind::kEvm) {
    pass("ledger", "evm " + ledger.chain_id + ", transaction 0x" + to_hex(ledger.transaction_id) +
                       " in block " + std::to_string(ledger.ledger_height) +
                       " (confirm it on the chain: --ledger URL)");
    return report;
  }
  auto log_entry = LogEntry::decode(bundle.ledger_entry);
  if (!log_entry) return fail("ledger", "the log entry: " + log_entry.error().message());
  Digest entry_hash = sha_.digest(bundle.ledger_entry);
  if (!equal(ledger.transaction_id, entry_hash) || log_entry->index != ledger.ledger_height)
    return fail("ledger", "the log entry is not the one the receipt names");
  if (log_entry->batch_id != body->batch_id || log_entry->batch_root != *batch_root)
    return fail("ledger", "the log entry does not hold this batch's root");
  if (bundle.checkpoint.empty()) {
    pass("ledger", "local log entry " + std::to_string(log_entry->index) +
                       " holds the root (no checkpoint in the bundle: not tied to a signed tree)");
    return report;
  }
  auto checkpoint =
      LogCheckpoint::verify(bundle.checkpoint, sha_, **gateway_key, gateway_key_bytes);
  if (!checkpoint) return fail("ledger", "the checkpoint: " + checkpoint.error().message());
  auto log_path = digests(bundle.ledger_path, "log path hash is not 32 bytes");
  if (!log_path || bundle.ledger_size != checkpoint->size)
    return fail("ledger", "the log path does not match the checkpoint's size");
  auto in_log = merkle.verify_inclusion(merkle.leaf_hash(bundle.ledger_entry), log_entry->index,
                                        checkpoint->size, *log_path, checkpoint->root);
  if (!in_log)
    return fail("ledger",
                "the log entry is not in the checkpoint's tree: " + in_log.error().message());
  pass("ledger", "local log " + checkpoint->origin + ", entry " + std::to_string(log_entry->index) +
                     " of " + std::to_string(checkpoint->size) +
                     " in a checkpoint signed by the gateway");
  return report;
}

}  // namespace vs::chain
