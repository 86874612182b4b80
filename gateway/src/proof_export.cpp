#include "vs/gateway/proof_export.h"
#include "vs/chain/opened_block.h"

#include "vs/chain/entry_leaf.h"
#include "vs/chain/log_checkpoint.h"
#include "vs/chain/merkle.h"
#include "vs/chain/proof_verifier.h"
#include "vs/gateway/local_ledger.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

// The device's block holding `seq`. Accepted blocks hold consecutive
// heights from 0 and their seq ranges follow one another, so halving the
// heights finds it in about log2(blocks) reads: a device with millions of
// readings answers at once, no progress to show.
Result<chain::OpenedBlock> find_block(const GatewayStateReader& state, const platform::Sha256& sha,
                                      const chain::DeviceId& device, std::uint64_t seq) {
  VS_TRY_ASSIGN(auto tip, state.tip(device));
  std::uint64_t low = 0;
  std::uint64_t high = tip ? tip->height + 1 : 0;  // the block is in [low, high)
  while (low < high) {
    std::uint64_t middle = low + (high - low) / 2;
    VS_TRY_ASSIGN(auto stored, state.block(device, middle));
    if (!stored) {
      return Error(ErrorCode::kIntegrity, "an accepted height below the tip has no block")
          .about("height " + std::to_string(middle));
    }
    VS_TRY_ASSIGN(chain::OpenedBlock opened, chain::OpenedBlock::open(sha, *stored));
    if (seq < opened.header.first_seq) {
      high = middle;
    } else if (seq > opened.header.last_seq) {
      low = middle + 1;
    } else {
      return opened;
    }
  }
  return Error(ErrorCode::kNotFound, "no accepted block of this device holds that seq");
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
  // A proof ties the block's key to the device id through the first key;
  // the rotations between them are not carried in the proof file yet.
  if (header.key_index > 0)
    return Error(ErrorCode::kUnsupported,
                 "the reading's block is signed by a rotated device key; a proof that carries "
                 "the key's rotation is not built yet (readings before the rotation can be "
                 "proven)")
        .about("key index " + std::to_string(header.key_index));
  std::size_t index = static_cast<std::size_t>(seq - header.first_seq);

  proto::ProofBundle bundle;
  bundle.device_id.assign(device.bytes().begin(), device.bytes().end());
  bundle.seq = seq;
  bundle.entry = block.entries.at(index);
  bundle.blinding = block.blindings.at(index);
  if (index < block.entry_signatures.size()) bundle.entry_signature = block.entry_signatures[index];
  chain::Merkle merkle(sha);
  std::vector<Digest> leaves;
  for (std::size_t i = 0; i < block.entries.size(); ++i)
    leaves.push_back(chain::EntryLeaf::hash(sha, block.blindings[i], block.entries[i]));
  VS_TRY_ASSIGN(auto entry_path, merkle.inclusion_proof(leaves, index));
  bundle.entry_index = index;
  for (const Digest& node : entry_path) bundle.entry_path.emplace_back(node.begin(), node.end());
  bundle.block_header = block.header;
  bundle.block_signature = block.signature;
  bundle.device_public_key = record->public_keys[header.key_index];

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
