#include "vs/gateway/batch_anchorer.h"

#include "vs/chain/merkle.h"
#include "vs/proto/limits.h"

namespace vs::gateway {

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

Result<Bytes> BatchAnchorer::pending_receipt(const BatchItem& item, std::uint64_t time_ms) {
  return signer_.sign_encoded(body_for(item, time_ms));
}

Result<std::vector<IssuedReceipt>> BatchAnchorer::anchor(std::uint64_t batch_id,
                                                         std::uint64_t time_ms) {
  std::vector<IssuedReceipt> issued;
  if (pending_.empty()) return issued;
  chain::Merkle merkle(sha_);
  std::vector<Digest> leaves;
  leaves.reserve(pending_.size());
  for (const BatchItem& item : pending_) leaves.push_back(merkle.leaf_hash(item.block_hash));
  Digest root = merkle.root(leaves);
  VS_TRY_ASSIGN(proto::LedgerRef ledger, ledger_.anchor(root, batch_id, time_ms));
  auto paths = merkle.all_inclusion_proofs(leaves);
  issued.reserve(pending_.size());
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    proto::ReceiptBody body = body_for(pending_[i], time_ms);
    body.state = proto::ReceiptState::kAnchored;
    body.batch_id = batch_id;
    body.batch_root.assign(root.begin(), root.end());
    body.batch_size = pending_.size();
    body.leaf_index = i;
    for (const Digest& node : paths[i]) body.inclusion_path.emplace_back(node.begin(), node.end());
    body.ledger = ledger;
    VS_TRY_ASSIGN(Bytes receipt, signer_.sign_encoded(body));
    issued.push_back({pending_[i], std::move(receipt)});
  }
  pending_.clear();
  return issued;
}

}  // namespace vs::gateway
