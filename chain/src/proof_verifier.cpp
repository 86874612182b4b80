#include "vs/chain/proof_verifier.h"

#include <cmath>

#include "vs/chain/entry_leaf.h"
#include "vs/chain/log_checkpoint.h"
#include "vs/chain/merkle.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/chain/witness.h"
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

const char* to_string(ProofLinkKind kind) {
  switch (kind) {
    case ProofLinkKind::kBlockHeader:
      return "block header";
    case ProofLinkKind::kEntry:
      return "entry";
    case ProofLinkKind::kEntryPath:
      return "entry path";
    case ProofLinkKind::kReceipt:
      return "receipt";
    case ProofLinkKind::kBatchPath:
      return "batch path";
    case ProofLinkKind::kLedger:
      return "ledger";
    case ProofLinkKind::kAbout:
      return "about";
  }
  return "unknown";
}

proto::ProofAbout ProofVerifier::about(const ProofReport& report) {
  const proto::LedgerRef& ledger = report.receipt.ledger;
  return {to_hex(report.header.device_id), report.entry.seq, report.entry_description,
          report.header.height,
          (ledger.kind == proto::LedgerKind::kEvm ? "evm " : "local ") + ledger.chain_id};
}

// One walk along a bundle's links: each step checks its link, records it in
// the report, and says whether the walk goes on. What a step learns (the
// decoded header and entry, the keys, the block hash, the receipt) is kept
// for the steps after it. The header comes first: the device key it vouches
// for checks the entry's own signature, so a changed key fails where it
// belongs.
class ProofVerifier::Walk {
 public:
  Walk(const ProofVerifier& verifier, const proto::ProofBundle& bundle, const ProofTrust& trust)
      : sha_(verifier.sha_),
        keys_(verifier.keys_),
        ed25519_(verifier.ed25519_),
        bundle_(bundle),
        trust_(trust),
        merkle_(verifier.sha_) {}

  ProofReport run() {
    if (block_header() && entry() && entry_path() && receipt() && batch_path() && ledger()) about();
    return std::move(report_);
  }

 private:
  bool pass(ProofLinkKind kind, std::string detail) {
    report_.links.push_back({kind, to_string(kind), true, std::move(detail)});
    return true;
  }
  bool fail(ProofLinkKind kind, std::string detail) {
    report_.links.push_back({kind, to_string(kind), false, std::move(detail)});
    return false;
  }

  // 1. The block header: decodes (canonically) and names the bundle's
  // device; the device's first key is its id; each key rotation the bundle
  // carries was announced by the key before it; the header names the key
  // the last rotation made and carries its signature.
  bool block_header() {
    constexpr auto kLink = ProofLinkKind::kBlockHeader;
    auto header = proto::WireCodec::decode_block_header(bundle_.block_header);
    if (!header)
      return fail(kLink, "the block header does not decode: " + header.error().message());
    report_.header = *header;
    auto key = keys_.make_verifier(bundle_.device_public_key);
    if (!key) return fail(kLink, "device public key: " + key.error().message());
    device_key_ = std::move(key).value();
    device_ = DeviceId::from_public_key(sha_, bundle_.device_public_key);
    if (!equal(header->device_id, device_.bytes()))
      return fail(kLink, "the device key is not the key of the device the header names");
    if (!equal(bundle_.device_id, header->device_id))
      return fail(kLink, "the header names another device than the bundle");
    std::string rotated_in;
    std::optional<std::uint64_t> rotation_height;
    for (std::size_t i = 0; i < bundle_.key_rotations.size(); ++i) {
      auto height = follow_rotation(i, rotation_height);
      if (!height) {
        return fail(kLink,
                    "key rotation " + std::to_string(i + 1) + ": " + height.error().message());
      }
      rotation_height = *height;
      rotated_in += (rotated_in.empty() ? "" : ", ") + std::to_string(*height);
    }
    if (header->key_index != bundle_.key_rotations.size()) {
      return fail(kLink, "the header names key index " + std::to_string(header->key_index) +
                             ", the proof carries " + std::to_string(bundle_.key_rotations.size()) +
                             " key rotations");
    }
    if (rotation_height && header->height <= *rotation_height)
      return fail(kLink, "the block is not after the rotation that made its key");
    block_hash_ = sha_.digest(bundle_.block_header);
    if (!device_key_->verify(block_hash_, ByteView(bundle_.block_signature))) {
      return fail(kLink,
                  "the device's signature does not verify over this header (header or "
                  "signature changed)");
    }
    return pass(kLink, "device " + device_.hex() + ", height " + std::to_string(header->height) +
                           ", seq " + std::to_string(header->first_seq) + ".." +
                           std::to_string(header->last_seq) + ", signed by the device" +
                           (rotated_in.empty() ? std::string()
                                               : " (key " + std::to_string(header->key_index) +
                                                     ", rotated in blocks " + rotated_in + ")"));
  }

  // Rotation `index`: a block of this device after `after`, signed by the
  // current key (index `index`), holding at its place a key rotation event
  // that names the next key index; that event's key becomes the current
  // key. The block's height, or why not.
  Result<std::uint64_t> follow_rotation(std::size_t index, std::optional<std::uint64_t> after) {
    const proto::ProofKeyRotation& rotation = bundle_.key_rotations[index];
    auto decoded = proto::WireCodec::decode_block_header(rotation.block_header);
    if (!decoded) return std::move(decoded).error().about("block header");
    const proto::BlockHeader& header = *decoded;
    if (!equal(header.device_id, device_.bytes()))
      return Error(ErrorCode::kIntegrity, "its block is another device's");
    if (header.key_index != index)
      return Error(ErrorCode::kIntegrity, "its block is not signed by the key before it");
    if (after && header.height <= *after)
      return Error(ErrorCode::kIntegrity, "its block is not after the rotation before it");
    if (!device_key_->verify(sha_.digest(rotation.block_header),
                             ByteView(rotation.block_signature)))
      return Error(ErrorCode::kIntegrity, "the key before it did not sign its block header");
    VS_TRY_ASSIGN(proto::Entry entry, proto::WireCodec::decode_entry(rotation.entry));
    const auto* event = std::get_if<proto::Event>(&entry.body);
    if (event == nullptr || event->kind != proto::EventKind::kKeyRotation ||
        event->key_index != index + 1)
      return Error(ErrorCode::kIntegrity, "its entry is not the rotation to the next key index");
    auto placed = under_entries_root(header, entry.seq, rotation.entry, rotation.blinding,
                                     rotation.entry_index, rotation.entry_path);
    if (!placed) return std::move(placed).error().about("its entry");
    auto next = keys_.make_verifier(event->public_key);
    if (!next) return std::move(next).error().about("the next key");
    device_key_ = std::move(next).value();
    return header.height;
  }

  // 2. The entry: its exact bytes decode, name the seq claimed, and carry
  // the device's own signature when it was signed alone.
  bool entry() {
    constexpr auto kLink = ProofLinkKind::kEntry;
    auto decoded = proto::WireCodec::decode_entry(bundle_.entry);
    if (!decoded) return fail(kLink, "the entry does not decode: " + decoded.error().message());
    report_.entry = *decoded;
    if (decoded->seq != bundle_.seq) {
      return fail(kLink, "the entry is seq " + std::to_string(decoded->seq) +
                             ", the bundle claims " + std::to_string(bundle_.seq));
    }
    report_.entry_description = describe(*decoded);
    std::string detail = report_.entry_description;
    if (!bundle_.entry_signature.empty()) {
      if (!device_key_->verify(sha_.digest(bundle_.entry), ByteView(bundle_.entry_signature)))
        return fail(kLink, "the device's signature on the entry does not verify (entry changed?)");
      detail += "; signed by the device";
    }
    return pass(kLink, detail);
  }

  // 3. Entry -> the block's entries root, at the place its seq has in the
  // block.
  bool entry_path() {
    constexpr auto kLink = ProofLinkKind::kEntryPath;
    const proto::BlockHeader& header = report_.header;
    auto placed = under_entries_root(header, report_.entry.seq, bundle_.entry, bundle_.blinding,
                                     bundle_.entry_index, bundle_.entry_path);
    if (!placed) return fail(kLink, placed.error().message());
    return pass(kLink, "leaf " + std::to_string(bundle_.entry_index) + " of " +
                           std::to_string(header.entry_count) + " in block " +
                           std::to_string(header.height));
  }

  // An entry (of `seq`, with its blinding) at `index` of `header`'s block,
  // its path leading to the header's entries root: the reading's, and each
  // key rotation event's.
  Status under_entries_root(const proto::BlockHeader& header, std::uint64_t seq, ByteView entry,
                            ByteView blinding, std::uint64_t index,
                            const std::vector<std::vector<std::uint8_t>>& path) {
    if (seq < header.first_seq || seq > header.last_seq || index != seq - header.first_seq)
      return Error(ErrorCode::kIntegrity, "the entry's index is not where the header puts its seq");
    if (blinding.size() != EntryLeaf::kBlindingSize)
      return Error(ErrorCode::kMalformed, "the blinding is not 32 bytes");
    VS_TRY_ASSIGN(auto hashes, digests(path, "entry path hash is not 32 bytes"));
    VS_TRY_ASSIGN(auto root, to_array<32>(header.entries_root, "entries root is not 32 bytes"));
    auto included = merkle_.verify_inclusion(EntryLeaf::hash(sha_, blinding, entry), index,
                                             header.entry_count, hashes, root);
    if (!included)
      return std::move(included).error().about("the blinded entry, to the block's entries root");
    return {};
  }

  // 4. The receipt: signed by the gateway key the verifier trusts (the
  // bundle's copy of it must be that key), for this very block, anchored.
  bool receipt() {
    constexpr auto kLink = ProofLinkKind::kReceipt;
    if (trust_.gateway_keys == nullptr || trust_.gateway_keys->empty())
      return fail(kLink, "no trusted gateway key: cannot decide (give the gateway's key)");
    auto named = trust_.gateway_keys->only(bundle_.gateway_public_key);
    if (!named) return fail(kLink, "the bundle names another gateway key than the trusted ones");
    ReceiptVerifier receipts(sha_, *named);
    ReceiptFault fault = ReceiptFault::kNone;
    auto body =
        receipts.verify(bundle_.receipt, {device_, report_.header.height, block_hash_}, &fault);
    if (!body) {
      return fail(fault == ReceiptFault::kBatchPath ? ProofLinkKind::kBatchPath : kLink,
                  body.error().message());
    }
    report_.receipt = *body;
    if (body->state == proto::ReceiptState::kPending)
      return fail(kLink, "the receipt is pending: the block is not anchored yet");
    const GatewayKey& key = named->keys().front();
    return pass(kLink,
                std::string(body->state == proto::ReceiptState::kFinal ? "final" : "anchored") +
                    ", signed by the trusted gateway key " + to_hex(key.key_id).substr(0, 16) +
                    (trust_.gateway_keys->keys().size() > 1 ? ", " + key.describe() : ""));
  }

  // 5. Block -> batch root: the bundle's readable copy must be what the
  // gateway signed, and lead to the root.
  bool batch_path() {
    constexpr auto kLink = ProofLinkKind::kBatchPath;
    const proto::ReceiptBody& body = report_.receipt;
    auto path = digests(bundle_.batch_path, "batch path hash is not 32 bytes");
    auto root = to_array<32>(bundle_.batch_root, "batch root is not 32 bytes");
    if (!path || !root) return fail(kLink, "batch root or path has the wrong size");
    if (bundle_.batch_id != body.batch_id || !equal(bundle_.batch_root, body.batch_root) ||
        bundle_.batch_size != body.batch_size || bundle_.leaf_index != body.leaf_index ||
        bundle_.batch_path != body.inclusion_path) {
      return fail(kLink, "the batch fields differ from what the gateway signed");
    }
    auto included = merkle_.verify_inclusion(merkle_.leaf_hash(block_hash_), bundle_.leaf_index,
                                             bundle_.batch_size, *path, *root);
    if (!included) return fail(kLink, included.error().message());
    batch_root_ = *root;
    return pass(kLink, "leaf " + std::to_string(bundle_.leaf_index) + " of " +
                           std::to_string(bundle_.batch_size) + " in batch " +
                           std::to_string(bundle_.batch_id) + ", root " +
                           to_hex(batch_root_).substr(0, 16));
  }

  // 6. Batch root -> ledger: named for a chain (the caller confirms it
  // there; the bundle then holds no local-log fields), proven for the local
  // log up to a signed checkpoint.
  bool ledger() {
    constexpr auto kLink = ProofLinkKind::kLedger;
    const proto::LedgerRef& ledger = report_.receipt.ledger;
    if (ledger.kind == proto::LedgerKind::kEvm) {
      if (!bundle_.ledger_entry.empty() || bundle_.ledger_size != 0 ||
          !bundle_.ledger_path.empty() || !bundle_.checkpoint.empty())
        return fail(kLink, "local log fields in a proof anchored on a chain");
      if (trust_.witness_threshold > 0)
        return fail(kLink, "witnesses are asked for, but a chain anchor has no checkpoint");
      return pass(kLink, "evm " + ledger.chain_id + ", transaction 0x" +
                             to_hex(ledger.transaction_id) + " in block " +
                             std::to_string(ledger.ledger_height) +
                             " (confirm it on the chain: --ledger URL)");
    }
    auto log_entry = LogEntry::decode(bundle_.ledger_entry);
    if (!log_entry) return fail(kLink, "the log entry: " + log_entry.error().message());
    if (!equal(ledger.transaction_id, sha_.digest(bundle_.ledger_entry)) ||
        log_entry->index != ledger.ledger_height)
      return fail(kLink, "the log entry is not the one the receipt names");
    if (log_entry->batch_id != report_.receipt.batch_id || log_entry->batch_root != batch_root_)
      return fail(kLink, "the log entry does not hold this batch's root");
    if (bundle_.checkpoint.empty()) {
      if (bundle_.ledger_size != 0 || !bundle_.ledger_path.empty())
        return fail(kLink, "a log path without the checkpoint it leads to");
      if (trust_.witness_threshold > 0)
        return fail(kLink, "witnesses are asked for, but the proof carries no checkpoint");
      return pass(kLink, "local log entry " + std::to_string(log_entry->index) +
                             " holds the root (no checkpoint in the bundle: not tied to a "
                             "signed tree)");
    }
    if (trust_.log_key == nullptr)
      return fail(kLink,
                  "the checkpoint cannot be checked: no trusted log key (the log's vkey) given");
    auto checkpoint = LogCheckpoint::verify(bundle_.checkpoint, ed25519_, *trust_.log_key);
    if (!checkpoint) return fail(kLink, "the checkpoint: " + checkpoint.error().message());
    auto path = digests(bundle_.ledger_path, "log path hash is not 32 bytes");
    if (!path || bundle_.ledger_size != checkpoint->size)
      return fail(kLink, "the log path does not match the checkpoint's size");
    auto in_log =
        merkle_.verify_inclusion(merkle_.leaf_hash(bundle_.ledger_entry), log_entry->index,
                                 checkpoint->size, *path, checkpoint->root);
    if (!in_log)
      return fail(kLink,
                  "the log entry is not in the checkpoint's tree: " + in_log.error().message());
    std::string witnessed;
    if (trust_.witness_threshold > 0 || !trust_.witness_keys.empty()) {
      auto note = SignedNote::parse(bundle_.checkpoint);
      auto cosigned = note ? Witness::count_cosigned(*note, trust_.witness_keys, ed25519_)
                           : Result<std::size_t>(std::move(note).error());
      if (!cosigned)
        return fail(kLink, "the checkpoint's cosignatures: " + cosigned.error().message());
      if (*cosigned < trust_.witness_threshold)
        return fail(kLink, std::to_string(*cosigned) + " of the " +
                               std::to_string(trust_.witness_keys.size()) +
                               " trusted witnesses cosigned the checkpoint; " +
                               std::to_string(trust_.witness_threshold) + " are needed");
      witnessed = ", cosigned by " + std::to_string(*cosigned) + " of " +
                  std::to_string(trust_.witness_keys.size()) + " trusted witnesses (" +
                  std::to_string(trust_.witness_threshold) + " needed)";
    }
    return pass(kLink,
                "local log " + checkpoint->origin + ", entry " + std::to_string(log_entry->index) +
                    " of " + std::to_string(checkpoint->size) +
                    " in a checkpoint signed by the log key " +
                    trust_.log_key->text().substr(0, trust_.log_key->name.size() + 9) + witnessed);
  }

  // 7. The words for people: what the links proved, and nothing else.
  bool about() {
    constexpr auto kLink = ProofLinkKind::kAbout;
    proto::ProofAbout proven = ProofVerifier::about(report_);
    const proto::ProofAbout& said = bundle_.about;
    const char* differs = said.device != proven.device               ? "device"
                          : said.seq != proven.seq                   ? "seq"
                          : said.reading != proven.reading           ? "reading"
                          : said.block_height != proven.block_height ? "block_height"
                          : said.ledger != proven.ledger             ? "ledger"
                                                                     : nullptr;
    if (differs != nullptr)
      return fail(kLink, std::string("about.") + differs + " is not what the proof proves");
    return pass(kLink, "says what the proof proves");
  }

  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
  const platform::Ed25519& ed25519_;
  const proto::ProofBundle& bundle_;
  const ProofTrust& trust_;
  Merkle merkle_;
  ProofReport report_;
  std::unique_ptr<platform::Verifier> device_key_;
  DeviceId device_;
  Digest block_hash_{};
  Digest batch_root_{};
};

ProofReport ProofVerifier::verify(const proto::ProofBundle& bundle, ByteView trusted_gateway_key,
                                  const NoteVerifierKey* trusted_log_key) const {
  // A key that does not parse is no trusted key: the receipt link says so.
  auto gateway_keys = GatewayKeySet::one(sha_, keys_, trusted_gateway_key);
  ProofTrust trust;
  trust.gateway_keys = gateway_keys ? &*gateway_keys : nullptr;
  trust.log_key = trusted_log_key;
  return verify(bundle, trust);
}

ProofReport ProofVerifier::verify(const proto::ProofBundle& bundle, const ProofTrust& trust) const {
  return Walk(*this, bundle, trust).run();
}

}  // namespace vs::chain
