#pragma once

#include <optional>
#include <vector>

#include "vs/chain/device_id.h"
#include "vs/chain/receipt_signer.h"
#include "vs/gateway/gateway_state.h"
#include "vs/gateway/ledger.h"
#include "vs/platform/sha256.h"

namespace vs::gateway {

struct IssuedReceipt {
  BatchItem item;
  Bytes receipt;  // encoded Receipt, as published
};

// Gathers accepted block hashes from every device into one RFC 9162 tree,
// anchors only its root on the ledger, and answers each block with a signed
// receipt carrying its path to that root and the ledger reference.
//
// The queue is the state's (BlockIngest fills it in the transaction that
// accepts a block); one transaction stores the receipts,
// empties the queue of what they cover, moves the batch id on and, for the
// local ledger, appends the ledger entry. A kill at any instant leaves every
// accepted block either queued or anchored with its receipt stored.
class BatchAnchorer {
 public:
  BatchAnchorer(GatewayState& state, const platform::Sha256& sha, Ledger& ledger,
                chain::ReceiptSigner& signer)
      : state_(state), sha_(sha), ledger_(ledger), signer_(signer) {}

  Result<std::uint64_t> queued() const { return state_.queue_size(); }
  Result<std::uint64_t> next_batch_id() const { return state_.next_batch_id(); }

  // Anchors up to `max_items` queued blocks (in device, height order) as the
  // next batch. On a ledger or store error nothing changes: the blocks stay
  // queued for the next attempt. Empty when nothing is queued.
  // A transaction the ledger lets the gateway sign (an EVM chain in raw
  // mode) is kept with its batch before it is sent (an AnchorIntent): after
  // a crash, a takeover or a lost race on a shared state the same batch is
  // anchored with the same transaction, which the chain takes once. A
  // commit that lost a race is redone at once.
  Result<std::vector<IssuedReceipt>> anchor(std::uint64_t time_ms, std::size_t max_items);

  // For a ledger that can reorganise: checks up to `max_batches` batches not
  // yet final. A batch deep enough gets final receipts (returned, to send); a
  // batch whose transaction vanished goes back to the queue, to be anchored
  // again. One transaction per batch.
  struct Confirmation {
    std::vector<IssuedReceipt> final_receipts;
    std::uint64_t batches_final = 0;
    std::uint64_t batches_lost = 0;
  };
  Result<Confirmation> confirm(std::uint64_t time_ms, std::size_t max_batches);
  Result<std::uint64_t> unconfirmed_batches() const { return state_.open_batch_count(); }
  // The latest `count` anchors, newest first.
  static Result<std::vector<AnchorRecord>> recent_anchors(const GatewayStateReader& state,
                                                          std::size_t count);

  Result<std::optional<Bytes>> receipt(const chain::DeviceId& device, std::uint64_t height) const {
    return state_.receipt(device, height);
  }
  // The receipt a block gets at once, before its batch is anchored.
  Result<Bytes> pending_receipt(const BatchItem& item, std::uint64_t time_ms);

 private:
  Result<std::vector<IssuedReceipt>> anchor_once(std::uint64_t time_ms, std::size_t max_items);
  static Status check_still_next(const GatewayStateReader& state, std::uint64_t batch_id);
  Status keep_intent(const AnchorIntent& batch);
  proto::ReceiptBody body_for(const BatchItem& item, std::uint64_t time_ms) const;

  GatewayState& state_;
  const platform::Sha256& sha_;
  Ledger& ledger_;
  chain::ReceiptSigner& signer_;
};

}  // namespace vs::gateway
