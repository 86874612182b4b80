#pragma once

#include <cstdint>

#include "vs/gateway/gateway_state.h"
#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/proto/receipt.h"

namespace vs::gateway {

// Where batch roots are anchored: the embedded local log, or an
// Ethereum-compatible chain. Only a root and a batch id ever go there.
class Ledger {
 public:
  virtual ~Ledger() = default;
  // Records the root; the returned reference goes into every receipt of the
  // batch. A ledger kept in the gateway's own store adds its writes to
  // `same_commit`, which also stores the receipts: both land or neither. An
  // outside ledger cannot join that transaction: one that can prepare() its
  // transaction has it kept and sent again as it was; otherwise a crash
  // between its anchor and the commit anchors the same batch again after
  // restart (one more transaction on the chain, the same receipts).
  virtual Result<proto::LedgerRef> anchor(const Digest& batch_root, std::uint64_t batch_id,
                                          std::uint64_t time_ms,
                                          GatewayTransaction& same_commit) = 0;
  // For an outside ledger whose transaction can be made before it is sent
  // (signed by the gateway): that transaction, which the anchorer keeps
  // durably before sending it, so that after a crash or a takeover the same
  // one is sent again and the chain takes it once. Empty: nothing to keep
  // (a ledger kept in the state, or a node that signs).
  virtual Result<Bytes> prepare(const Digest&, std::uint64_t) { return Bytes{}; }
  // Anchors with what prepare() made: sent (again, if need be) and waited for.
  virtual Result<proto::LedgerRef> anchor_prepared(ByteView) {
    return Error(ErrorCode::kUnsupported, "this ledger prepares nothing");
  }
  // What the last anchor cost, where the ledger charges for it (gas).
  virtual std::uint64_t last_cost() const { return 0; }

  // A chain can reorganise: its anchors are tracked until final.
  virtual bool tracks_finality() const { return false; }
  enum class Finality {
    kPending,  // not deep enough yet (or its block is being replaced)
    kFinal,    // deep enough: receipts can say final
    kLost,     // the transaction is gone (a reorg dropped it): anchor again
  };
  struct FinalityCheck {
    Finality finality = Finality::kFinal;
    proto::LedgerRef ref;  // updated: block, time and confirmations as they are now
  };
  virtual Result<FinalityCheck> check_finality(const proto::LedgerRef& ref, const Digest&,
                                               std::uint64_t) {
    return FinalityCheck{Finality::kFinal, ref};
  }
};

}  // namespace vs::gateway
