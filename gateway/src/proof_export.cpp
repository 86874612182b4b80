#include "vs/gateway/proof_export.h"

#include <functional>

#include "vs/chain/entry_leaf.h"
#include "vs/chain/log_checkpoint.h"
#include "vs/chain/merkle.h"
#include "vs/chain/opened_block.h"
#include "vs/chain/proof_verifier.h"
#include "vs/gateway/local_ledger.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

// The device's first block (lowest height) whose header `reached` holds,
// `reached` being false then true along the heights. Accepted blocks hold
// consecutive heights from 0, so halving the heights finds it in about
// log2(blocks) reads: a device with millions of readings answers at once.
Result<std::optional<chain::OpenedBlock>> first_block_where(
    const GatewayStateReader& state, const platform::Sha256& sha, const chain::DeviceId& device,
    const std::function<bool(const proto::BlockHeader&)>& reached) {
  VS_TRY_ASSIGN(auto tip, state.tip(device));
  std::uint64_t low = 0;
  std::uint64_t high = tip ? tip->height + 1 : 0;  // the first is in [low, high], high: none
  std::optional<chain::OpenedBlock> found;
  while (low < high) {
    std::uint64_t middle = low + (high - low) / 2;
    VS_TRY_ASSIGN(auto stored, state.block(device, middle));
    if (!stored) {
      return Error(ErrorCode::kIntegrity, "an accepted height below the tip has no block")
          .about("height " + std::to_string(middle));
    }
    VS_TRY_ASSIGN(chain::OpenedBlock opened, chain::OpenedBlock::open(sha, *stored));
    if (reached(opened.header)) {
      high = middle;
      found = std::move(opened);
    } else {
      low = middle + 1;
    }
  }
  return found;
}

// The device's block holding `seq`.
Result<chain::OpenedBlock> find_block(const GatewayStateReader& state, const platform::Sha256& sha,
                                      const chain::DeviceId& device, std::uint64_t seq) {
  VS_TRY_ASSIGN(auto found,
                first_block_where(state, sha, device, [seq](const proto::BlockHeader& header) {
                  return header.last_seq >= seq;
                }));
  if (!found || found->header.first_seq > seq)
    return Error(ErrorCode::kNotFound, "no accepted block of this device holds that seq");
  return std::move(*found);
}

// Entry `index` of `block`: its bytes, blinding and path to the entries root.
struct EntryInBlock {
  Bytes entry;
  Bytes blinding;
  std::vector<Bytes> path;
};
Result<EntryInBlock> entry_in_block(const platform::Sha256& sha, const proto::Block& block,
                                    std::size_t index) {
  if (index >= block.entries.size() || block.blindings.size() != block.entries.size())
    return Error(ErrorCode::kIntegrity, "a stored block lacks an entry or its blinding");
  chain::Merkle merkle(sha);
  std::vector<Digest> leaves;
  for (std::size_t i = 0; i < block.entries.size(); ++i)
    leaves.push_back(chain::EntryLeaf::hash(sha, block.blindings[i], block.entries[i]));
  VS_TRY_ASSIGN(auto path, merkle.inclusion_proof(leaves, index));
  EntryInBlock out{block.entries[index], block.blindings[index], {}};
  for (const Digest& node : path) out.path.emplace_back(node.begin(), node.end());
  return out;
}

// Rotation to key `next_index`: the event in the last block of the key
// before it (the block that announced it, signed by that key).
Result<proto::ProofKeyRotation> key_rotation(const GatewayStateReader& state,
                                             const platform::Sha256& sha,
                                             const chain::DeviceId& device,
                                             std::uint64_t next_index) {
  VS_TRY_ASSIGN(auto first_of_key,
                first_block_where(state, sha, device, [&](const proto::BlockHeader& header) {
                  return header.key_index >= next_index;
                }));
  if (!first_of_key || first_of_key->header.height == 0)
    return Error(ErrorCode::kIntegrity, "no stored block announced the key")
        .about("key index " + std::to_string(next_index));
  VS_TRY_ASSIGN(auto stored, state.block(device, first_of_key->header.height - 1));
  if (!stored) return Error(ErrorCode::kIntegrity, "an accepted height below the tip has no block");
  VS_TRY_ASSIGN(chain::OpenedBlock announcing, chain::OpenedBlock::open(sha, *stored));
  for (std::size_t i = 0; i < announcing.block.entries.size(); ++i) {
    auto entry = proto::WireCodec::decode_entry(announcing.block.entries[i]);
    if (!entry) continue;
    const auto* event = std::get_if<proto::Event>(&entry->body);
    if (event == nullptr || event->kind != proto::EventKind::kKeyRotation ||
        event->key_index != next_index)
      continue;
    VS_TRY_ASSIGN(EntryInBlock found, entry_in_block(sha, announcing.block, i));
    return proto::ProofKeyRotation{announcing.block.header,
                                   announcing.block.signature,
                                   std::move(found.entry),
                                   std::move(found.blinding),
                                   i,
                                   std::move(found.path)};
  }
  return Error(ErrorCode::kIntegrity, "the block before the key's first holds no rotation to it")
      .about("key index " + std::to_string(next_index));
}

}  // namespace

Result<ProofExport::Exported> ProofExport::build(const Request& request) const {
  const chain::DeviceId& device = request.device;
  const std::uint64_t seq = request.seq;
  const platform::Sha256& sha = sha_;
  VS_TRY_ASSIGN(auto view, state_.snapshot());
  VS_TRY_ASSIGN(auto record, view->device(device));
  if (!record) return Error(ErrorCode::kNotFound, "the device is not enrolled").about(device.hex());
  VS_TRY_ASSIGN(chain::OpenedBlock opened, find_block(*view, sha, device, seq));
  const proto::Block& block = opened.block;
  const proto::BlockHeader& header = opened.header;
  if (header.key_index >= record->public_keys.size())
    return Error(ErrorCode::kIntegrity, "the block names a key the registry does not hold");
  std::size_t index = static_cast<std::size_t>(seq - header.first_seq);

  proto::ProofBundle bundle;
  bundle.device_id.assign(device.bytes().begin(), device.bytes().end());
  bundle.seq = seq;
  VS_TRY_ASSIGN(EntryInBlock reading, entry_in_block(sha, block, index));
  bundle.entry = std::move(reading.entry);
  bundle.blinding = std::move(reading.blinding);
  if (index < block.entry_signatures.size()) bundle.entry_signature = block.entry_signatures[index];
  bundle.entry_index = index;
  bundle.entry_path = std::move(reading.path);
  bundle.block_header = block.header;
  bundle.block_signature = block.signature;
  // The first key is the device's id; each rotation since ties on the next.
  bundle.device_public_key = record->public_keys.front();
  for (std::uint64_t next = 1; next <= header.key_index; ++next) {
    VS_TRY_ASSIGN(auto rotation, key_rotation(*view, sha, device, next));
    bundle.key_rotations.push_back(std::move(rotation));
  }

  VS_TRY_ASSIGN(auto receipt, view->receipt(device, header.height));
  if (!receipt)
    return Error(ErrorCode::kNotFound, "the block has no receipt yet (not anchored)")
        .about("height " + std::to_string(header.height));
  VS_TRY_ASSIGN(proto::Receipt decoded, proto::WireCodec::decode_receipt(*receipt));
  VS_TRY_ASSIGN(proto::ReceiptBody body, proto::WireCodec::decode_receipt_body(decoded.body));
  bundle.receipt = *receipt;
  bundle.batch_id = body.batch_id;
  bundle.batch_root = body.batch_root;
  bundle.batch_size = body.batch_size;
  bundle.leaf_index = body.leaf_index;
  bundle.batch_path = body.inclusion_path;
  const chain::GatewayKey* signer = request.gateway_keys.find(decoded.gateway_key_id);
  if (signer == nullptr)
    return Error(ErrorCode::kInvalidArgument,
                 "the receipt is signed by a gateway key not among the keys given")
        .about("key id " + to_hex(decoded.gateway_key_id));
  bundle.gateway_public_key = signer->public_key;

  if (body.ledger.kind == proto::LedgerKind::kLocal) {
    VS_TRY_ASSIGN(auto entry, view->ledger_entry(body.ledger.ledger_height));
    if (!entry) return Error(ErrorCode::kNotFound, "the local ledger lacks the receipt's entry");
    bundle.ledger_entry = *entry;
    if (request.checkpoint) {
      const std::string& text = *request.checkpoint;
      if (!request.log_key)
        return Error(ErrorCode::kInvalidArgument,
                     "a checkpoint is checked with the log's key (its vkey): none given");
      auto checkpoint = chain::LogCheckpoint::verify(text, ed25519_, *request.log_key);
      if (!checkpoint) return std::move(checkpoint).error().about("checkpoint");
      if (checkpoint->size <= body.ledger.ledger_height)
        return Error(ErrorCode::kInvalidArgument, "the checkpoint is older than the anchor");
      VS_TRY_ASSIGN(auto path, LocalLedger::inclusion_proof(*view, sha, body.ledger.ledger_height,
                                                            checkpoint->size));
      bundle.ledger_size = checkpoint->size;
      for (const Digest& node : path) bundle.ledger_path.emplace_back(node.begin(), node.end());
      bundle.checkpoint = text;
    }
  }
  // Checked before it is handed out, and its words for people derived from
  // what the check proved.
  chain::ProofVerifier verifier(sha, keys_, ed25519_);
  chain::ProofTrust trust;
  trust.gateway_keys = &request.gateway_keys;
  trust.log_key = request.log_key ? &*request.log_key : nullptr;
  auto report = verifier.verify(bundle, trust);
  bool proven = report.links.size() == chain::kProofLinkCount;
  for (std::size_t i = 0; proven && i + 1 < report.links.size(); ++i) proven = report.links[i].ok;
  if (!proven) {
    const chain::ProofLink& failed = report.links.back();
    return Error(ErrorCode::kIntegrity, "the assembled proof does not verify")
        .about(failed.name + ": " + failed.detail);
  }
  bundle.about = chain::ProofVerifier::about(report);
  return Exported{std::move(bundle)};
}

}  // namespace vs::gateway
