#pragma once

#include <vector>

#include "vs/chain/device_id.h"
#include "vs/chain/receipt_signer.h"
#include "vs/gateway/ledger.h"
#include "vs/platform/sha256.h"

namespace vs::gateway {

struct BatchItem {
  chain::DeviceId device;
  std::uint64_t height = 0;
  Digest block_hash{};
};

struct IssuedReceipt {
  BatchItem item;
  Bytes receipt;  // encoded Receipt, as published
};

// Gathers accepted block hashes from every device into one RFC 9162 tree,
// anchors only its root on the ledger, and answers each block with a signed
// receipt carrying its path to that root and the ledger reference.
class BatchAnchorer {
 public:
  BatchAnchorer(const platform::Sha256& sha, Ledger& ledger, chain::ReceiptSigner& signer)
      : sha_(sha), ledger_(ledger), signer_(signer) {}

  void add(const BatchItem& item) { pending_.push_back(item); }
  std::size_t pending() const { return pending_.size(); }

  // Anchors what is pending as batch `batch_id`. On a ledger error nothing
  // is lost: the items stay pending for the next attempt.
  Result<std::vector<IssuedReceipt>> anchor(std::uint64_t batch_id, std::uint64_t time_ms);

  // The receipt a block gets at once, before its batch is anchored.
  Result<Bytes> pending_receipt(const BatchItem& item, std::uint64_t time_ms);

 private:
  proto::ReceiptBody body_for(const BatchItem& item, std::uint64_t time_ms) const;

  const platform::Sha256& sha_;
  Ledger& ledger_;
  chain::ReceiptSigner& signer_;
  std::vector<BatchItem> pending_;
};

}  // namespace vs::gateway
