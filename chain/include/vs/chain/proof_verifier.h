#pragma once

#include <string>
#include <vector>

#include "vs/chain/device_id.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"
#include "vs/proto/block.h"
#include "vs/proto/entry.h"
#include "vs/proto/proof_bundle.h"
#include "vs/proto/receipt.h"

namespace vs::chain {

// The links of a proof, in the order they are checked.
enum class ProofLinkKind : std::uint8_t {
  kEntry,        // the entry's bytes, its seq, its own signature
  kEntryPath,    // entry -> the block's entries root
  kBlockHeader,  // the header, signed by the device whose id it names
  kReceipt,      // signed by the gateway, for this block, anchored
  kBatchPath,    // block -> the batch root the gateway signed
  kLedger,       // batch root -> the ledger (and a signed checkpoint)
};
// "entry", "entry path", "block header", "receipt", "batch path", "ledger"
const char* to_string(ProofLinkKind kind);

struct ProofLink {
  ProofLinkKind kind = ProofLinkKind::kEntry;
  std::string name;  // to_string(kind)
  bool ok = false;
  std::string detail;  // what was shown, or why it failed
};

struct ProofReport {
  std::vector<ProofLink> links;  // in order; stops at the first that fails
  proto::Entry entry;
  proto::BlockHeader header;
  proto::ReceiptBody receipt;
  bool ok() const { return !links.empty() && links.back().ok; }
};

// Checks a proof bundle offline, link by link, on the exact bytes it
// carries: the entry (decodes, is the seq claimed, its own signature), its
// path to the block's entries root, the block header (the device's key is
// the device's id, its signature over the header, the entry within its
// range), the receipt (the gateway's signature, this block), the block's
// path to the batch root, and for the local ledger the log entry holding
// that root inside a signed checkpoint. An outside ledger (evm) is named
// here and confirmed by the caller on the chain itself.
class ProofVerifier {
 public:
  ProofVerifier(const platform::Sha256& sha, const platform::VerifierFactory& keys)
      : sha_(sha), keys_(keys) {}
  // `trusted_gateway_key`: the gateway's key as the auditor knows it; when
  // empty the bundle's own is used and the report says so.
  ProofReport verify(const proto::ProofBundle& bundle, ByteView trusted_gateway_key = {}) const;

 private:
  class Walk;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
};

}  // namespace vs::chain
