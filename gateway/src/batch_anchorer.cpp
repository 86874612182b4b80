#include "vs/gateway/batch_anchorer.h"

#include "vs/chain/merkle.h"
#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

Result<proto::ReceiptBody> stored_body(const GatewayStateReader& state, const BatchItem& item) {
  VS_TRY_ASSIGN(auto stored, state.receipt(item.device, item.height));
  if (!stored) return Error(ErrorCode::kNotFound, "a batch names a block without a receipt");
  VS_TRY_ASSIGN(proto::Receipt receipt, proto::WireCodec::decode_receipt(*stored));
  return proto::WireCodec::decode_receipt_body(receipt.body);
}

}  // namespace

Result<std::vector<AnchorRecord>> BatchAnchorer::recent_anchors(const GatewayStateReader& state,
                                                                std::size_t count) {
  VS_TRY_ASSIGN(std::uint64_t next, state.next_batch_id());
  std::uint64_t from = next > count ? next - count : 0;
  VS_TRY_ASSIGN(auto anchors, state.anchors(from, count));
  return std::vector<AnchorRecord>(anchors.rbegin(), anchors.rend());
}

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

Result<std::vector<IssuedReceipt>> BatchAnchorer::anchor(std::uint64_t time_ms,
                                                         std::size_t max_items) {
  return retry_on_conflict([&] { return anchor_once(time_ms, max_items); });
}

Result<std::vector<IssuedReceipt>> BatchAnchorer::anchor_once(std::uint64_t time_ms,
                                                              std::size_t max_items) {
  // No key to sign the receipts with (a rotation left a gap): nothing goes
  // on the ledger that could not be answered.
  VS_TRY(signer_.key_at(time_ms));
  std::vector<IssuedReceipt> issued;
  AnchorIntent batch;
  {  // read, then let the view go: an outside ledger may take seconds below
    VS_TRY_ASSIGN(auto view, state_.snapshot());
    VS_TRY_ASSIGN(batch.batch_id, view->next_batch_id());
    VS_TRY_ASSIGN(auto intent, view->anchor_intent());
    if (intent && intent->batch_id == batch.batch_id) {
      batch = std::move(*intent);  // sent before a crash or a takeover: the same again
    } else {
      VS_TRY_ASSIGN(batch.blocks, view->queue(max_items));
      if (batch.blocks.empty()) return issued;
    }
  }
  chain::Merkle merkle(sha_);
  std::vector<Digest> leaves;
  leaves.reserve(batch.blocks.size());
  for (const QueuedBlock& block : batch.blocks)
    leaves.push_back(merkle.leaf_hash(block.item.block_hash));
  Digest root = merkle.root(leaves);
  if (batch.prepared.empty()) {
    batch.root = root;
    VS_TRY_ASSIGN(batch.prepared, ledger_.prepare(root, batch.batch_id));
    if (!batch.prepared.empty()) VS_TRY(keep_intent(batch));
  } else if (root != batch.root) {  // its transaction carries the kept root: it must be theirs
    return Error(ErrorCode::kIntegrity, "the kept anchor intent's blocks do not make its root")
        .about("batch " + std::to_string(batch.batch_id));
  }
  // Only the anchorer (one gateway, holding the lease) takes from the queue
  // and moves the batch id on, so what was read stays true until this
  // commits; the transaction checks the batch id again below.
  VS_TRY_ASSIGN(auto changes, state_.begin());
  VS_TRY_ASSIGN(proto::LedgerRef ledger,
                batch.prepared.empty() ? ledger_.anchor(root, batch.batch_id, time_ms, *changes)
                                       : ledger_.anchor_prepared(batch.prepared));
  VS_TRY(check_still_next(*changes, batch.batch_id));
  auto paths = merkle.all_inclusion_proofs(leaves);
  issued.reserve(batch.blocks.size());
  OpenBatch open{batch.batch_id, root, {}};
  for (std::size_t i = 0; i < batch.blocks.size(); ++i) {
    const BatchItem& item = batch.blocks[i].item;
    proto::ReceiptBody body = body_for(item, time_ms);
    body.state = proto::ReceiptState::kAnchored;
    body.batch_id = batch.batch_id;
    body.batch_root.assign(root.begin(), root.end());
    body.batch_size = batch.blocks.size();
    body.leaf_index = i;
    for (const Digest& node : paths[i]) body.inclusion_path.emplace_back(node.begin(), node.end());
    body.ledger = ledger;
    VS_TRY_ASSIGN(Bytes receipt, signer_.sign_encoded(body));
    changes->put_receipt(item.device, item.height, receipt);
    changes->dequeue(batch.blocks[i]);
    open.items.push_back(item);
    issued.push_back({item, std::move(receipt)});
  }
  changes->set_next_batch_id(batch.batch_id + 1);
  changes->put_anchor({batch.batch_id, time_ms, batch.blocks.size(), ledger_.last_cost(), ledger});
  if (ledger_.tracks_finality()) changes->open_batch(open);
  if (!batch.prepared.empty()) changes->clear_anchor_intent();
  VS_TRY(changes->commit(true));  // a receipt goes out only for what survives a power cut
  return issued;
}

// A fence: were a second gateway anchoring too (one whose lease ran out
// unnoticed), its commit would have moved the batch id on, and this one
// must not reuse it. On a shared state, a race here fails the commit.
Status BatchAnchorer::check_still_next(const GatewayStateReader& state, std::uint64_t batch_id) {
  VS_TRY_ASSIGN(std::uint64_t still_next, state.next_batch_id());
  if (still_next != batch_id) {
    return Error(ErrorCode::kConflict, "another gateway anchored this batch id meanwhile")
        .about(std::to_string(batch_id));
  }
  return {};
}

// The batch and its prepared transaction, durably, before it is sent.
Status BatchAnchorer::keep_intent(const AnchorIntent& batch) {
  VS_TRY_ASSIGN(auto changes, state_.begin());
  VS_TRY(check_still_next(*changes, batch.batch_id));
  changes->put_anchor_intent(batch);
  return changes->commit(true);
}

Result<BatchAnchorer::Confirmation> BatchAnchorer::confirm(std::uint64_t time_ms,
                                                           std::size_t max_batches) {
  Confirmation out;
  VS_TRY_ASSIGN(auto batches, state_.open_batches(max_batches));
  for (const OpenBatch& open : batches) {
    if (open.items.empty()) continue;
    VS_TRY_ASSIGN(proto::ReceiptBody first, stored_body(state_, open.items.front()));
    VS_TRY_ASSIGN(Ledger::FinalityCheck check,
                  ledger_.check_finality(first.ledger, open.root, open.batch_id));
    if (check.finality == Ledger::Finality::kPending) continue;
    VS_TRY_ASSIGN(auto changes, state_.begin());
    changes->close_batch(open.batch_id);
    std::vector<IssuedReceipt> issued;
    for (BatchItem item : open.items) {
      VS_TRY_ASSIGN(proto::ReceiptBody body, stored_body(*changes, item));
      if (body.batch_id != open.batch_id) continue;  // anchored again since: newer receipt stands
      VS_TRY_ASSIGN(item.block_hash,
                    to_array<32>(body.block_hash, "stored block hash is not 32 bytes"));
      if (check.finality == Ledger::Finality::kLost) {
        changes->enqueue({time_ms, item});  // queued again
        continue;
      }
      body.state = proto::ReceiptState::kFinal;
      body.ledger = check.ref;
      body.issued_time_ms = time_ms;
      VS_TRY_ASSIGN(Bytes receipt, signer_.sign_encoded(body));
      changes->put_receipt(item.device, item.height, receipt);
      issued.push_back({item, std::move(receipt)});
    }
    VS_TRY(changes->commit(true));
    if (check.finality == Ledger::Finality::kLost) {
      ++out.batches_lost;
    } else {
      ++out.batches_final;
      for (IssuedReceipt& receipt : issued) out.final_receipts.push_back(std::move(receipt));
    }
  }
  return out;
}

}  // namespace vs::gateway
