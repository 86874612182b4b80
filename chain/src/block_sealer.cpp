#include "vs/chain/block_sealer.h"

#include "vs/chain/entry_leaf.h"
#include "vs/chain/merkle.h"
#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

namespace vs::chain {

Result<Bytes> BlockSealer::sign_entry(ByteView entry) {
  VS_TRY_ASSIGN(platform::Signature signature, signer_.sign(sha_.digest(entry)));
  return Bytes(signature.begin(), signature.end());
}

Result<SealedBlock> BlockSealer::seal(const SealPosition& position,
                                      std::span<const PendingEntry> entries) {
  if (entries.empty())
    return Error(ErrorCode::kInvalidArgument, "a block needs at least one entry");
  if (entries.size() > proto::kMaxBlockEntries) {
    return Error(ErrorCode::kInvalidArgument, "a block holds at most 4096 entries");
  }
  SealedBlock sealed;
  proto::Block& block = sealed.block;
  std::vector<Digest> leaves;
  leaves.reserve(entries.size());
  bool any_signature = false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const PendingEntry& entry = entries[i];
    if (i > 0 && entry.seq != entries[i - 1].seq + 1) {
      return Error(ErrorCode::kInvalidArgument, "entries to seal do not have consecutive seq");
    }
    if (!entry.signature.empty() && entry.signature.size() != proto::kSignatureSize) {
      return Error(ErrorCode::kInvalidArgument, "entry signature is not 64 bytes");
    }
    any_signature = any_signature || !entry.signature.empty();
    leaves.push_back(EntryLeaf::hash(sha_, entry.blinding, entry.bytes));
    block.entries.push_back(entry.bytes);
    block.blindings.emplace_back(entry.blinding.begin(), entry.blinding.end());
  }
  if (any_signature) {
    for (const PendingEntry& entry : entries) block.entry_signatures.push_back(entry.signature);
  }

  proto::BlockHeader& header = sealed.header;
  header.version = proto::kBlockVersion;
  header.device_id.assign(position.device_id.bytes().begin(), position.device_id.bytes().end());
  header.height = position.height;
  header.previous_hash.assign(position.previous_hash.begin(), position.previous_hash.end());
  Digest root = Merkle(sha_).root(leaves);
  header.entries_root.assign(root.begin(), root.end());
  header.entry_count = static_cast<std::uint32_t>(entries.size());
  header.first_seq = entries.front().seq;
  header.last_seq = entries.back().seq;
  header.first_time_ms = entries.front().time_ms;
  header.last_time_ms = entries.back().time_ms;
  header.sealed_time_ms = position.sealed_time_ms;
  header.key_index = position.key_index;
  header.anchor_batch_id = position.anchor_batch_id;
  if (position.anchor_batch_root) {
    header.anchor_batch_root.assign(position.anchor_batch_root->begin(),
                                    position.anchor_batch_root->end());
  }
  header.seal_reason = position.reason;

  VS_TRY_ASSIGN(block.header, proto::WireCodec::encode(header));
  sealed.hash = sha_.digest(block.header);
  VS_TRY_ASSIGN(platform::Signature signature, signer_.sign(sealed.hash));
  block.signature.assign(signature.begin(), signature.end());
  VS_TRY_ASSIGN(sealed.encoded, proto::WireCodec::encode(block));
  return sealed;
}

}  // namespace vs::chain
