#pragma once

#include <span>
#include <string>
#include <vector>

#include "vs/chain/device_id.h"
#include "vs/chain/gateway_key_set.h"
#include "vs/chain/signed_note.h"
#include "vs/platform/ed25519.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"
#include "vs/proto/block.h"
#include "vs/proto/entry.h"
#include "vs/proto/proof_bundle.h"
#include "vs/proto/receipt.h"

namespace vs::chain {

// The links of a proof, in the order they are checked.
enum class ProofLinkKind : std::uint8_t {
  kBlockHeader,  // the header, signed by the device whose id and key it names
  kEntry,        // the entry's bytes, its seq, its own signature by that device
  kEntryPath,    // entry -> the block's entries root, at its place in the block
  kReceipt,      // signed by the trusted gateway key, for this block, anchored
  kBatchPath,    // block -> the batch root the gateway signed
  kLedger,       // batch root -> the ledger (and a signed checkpoint)
  kAbout,        // the file's words for people say what the links proved
};
inline constexpr std::size_t kProofLinkCount = 7;
// "block header", "entry", "entry path", "receipt", "batch path", "ledger",
// "about"
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
  std::string entry_description;  // seq, time, kind, value and unit
  proto::BlockHeader header;
  proto::ReceiptBody receipt;
  bool ok() const { return !links.empty() && links.back().ok; }
};

// What an auditor trusts, never taken from the bundle: the gateway's
// receipt keys, each with its validity window (the bundle's receipt must be
// signed by the one the bundle names, issued inside its window); the local log's checkpoint key (a
// vkey), which a bundle with a checkpoint needs; and witnesses, at least `witness_threshold` of
// which must have cosigned that checkpoint (c2sp.org/tlog-cosignature).
struct ProofTrust {
  const GatewayKeySet* gateway_keys = nullptr;
  const NoteVerifierKey* log_key = nullptr;
  std::span<const NoteVerifierKey> witness_keys;
  std::size_t witness_threshold = 0;
};

// Checks a proof bundle offline, link by link, on the exact bytes it
// carries, each byte by the link it belongs to: the block header (the
// device's key is the device's id, its signature over the header), the
// entry (decodes, is the seq claimed, its own signature), its path to the
// block's entries root at its place in the block, the receipt (signed by the
// trusted gateway key, this block), the block's path to the batch root, for
// the local ledger the log entry holding that root inside a signed
// checkpoint, and last the bundle's "about" words against what was proven.
// An outside ledger (evm) is named here and confirmed by the caller on the
// chain itself.
class ProofVerifier {
 public:
  ProofVerifier(const platform::Sha256& sha, const platform::VerifierFactory& keys,
                const platform::Ed25519& ed25519)
      : sha_(sha), keys_(keys), ed25519_(ed25519) {}
  // `trusted_gateway_key`: the gateway's one key as the auditor knows it, never
  // taken from the bundle; without one the receipt link fails (a proof that
  // carries its own trust proves nothing). `trusted_log_key`: the local
  // log's checkpoint key (a vkey) as the auditor knows it; a bundle that
  // carries a checkpoint fails at the ledger link without one.
  ProofReport verify(const proto::ProofBundle& bundle, ByteView trusted_gateway_key,
                     const NoteVerifierKey* trusted_log_key = nullptr) const;
  ProofReport verify(const proto::ProofBundle& bundle, const ProofTrust& trust) const;
  // What a report that got past the ledger link proves, in words: what an
  // exported bundle's "about" holds.
  static proto::ProofAbout about(const ProofReport& report);

 private:
  class Walk;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
  const platform::Ed25519& ed25519_;
};

}  // namespace vs::chain
