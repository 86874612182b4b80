#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "vs/chain/device_id.h"
#include "vs/chain/gateway_key_set.h"
#include "vs/chain/signed_note.h"
#include "vs/gateway/gateway_state.h"
#include "vs/platform/ed25519.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"
#include "vs/proto/proof_bundle.h"

namespace vs::gateway {

// One reading's proof, assembled from the gateway's state: the entry and
// its blinding, its path to the block's entries root, the signed header and
// the device key, the stored receipt (the block's path to its batch root
// and the ledger reference) and, for the local ledger, the log entry and,
// given a signed checkpoint, the entry's path into it. The bundle is
// checked with chain::ProofVerifier under the gateway keys the request names
// (the bundle names the one that signed its receipt) before it is handed out (an error names the
// link that failed), and its "about" words are what that check proved.
class ProofExport {
 public:
  ProofExport(const GatewayState& state, const platform::Sha256& sha,
              const platform::VerifierFactory& keys, const platform::Ed25519& ed25519)
      : state_(state), sha_(sha), keys_(keys), ed25519_(ed25519) {}

  struct Request {
    chain::DeviceId device;
    std::uint64_t seq = 0;
    chain::GatewayKeySet gateway_keys;              // as the verifier will be given them
    std::optional<std::string> checkpoint;          // the ledger.checkpoint_file's text
    std::optional<chain::NoteVerifierKey> log_key;  // needed with a checkpoint: its vkey
  };
  struct Exported {
    proto::ProofBundle bundle;  // verified with request.gateway_keys, "about" filled
  };
  Result<Exported> build(const Request& request) const;

 private:
  const GatewayState& state_;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
  const platform::Ed25519& ed25519_;
};

}  // namespace vs::gateway
