#pragma once

#include <cstdint>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/proto/receipt.h"

namespace vs::gateway {

// Where batch roots are anchored: the embedded local log, or an
// Ethereum-compatible chain. Only a root and a batch id ever go there.
class Ledger {
 public:
  virtual ~Ledger() = default;
  // Records the root; the returned reference goes into every receipt of the batch.
  virtual Result<proto::LedgerRef> anchor(const Digest& batch_root, std::uint64_t batch_id,
                                          std::uint64_t time_ms) = 0;
};

}  // namespace vs::gateway
