#pragma once

#include <string>
#include <vector>

#include "vs/chain/log_checkpoint.h"
#include "vs/chain/signed_note.h"
#include "vs/gateway/gateway_state.h"
#include "vs/gateway/ledger.h"
#include "vs/platform/sha256.h"
#include "vs/platform/signer.h"
#include "vs/platform/verifier.h"

namespace vs::gateway {

// The embedded ledger: an append-only log of batch roots in the gateway's
// state. Each entry names the entry before it (a hash chain), and the log
// is also an RFC 9162 tree, so the gateway can publish checkpoints (C2SP
// tlog-checkpoint, a signed note by the log's own Ed25519 key, named after
// the log's origin) that a third party or a witness keeps and later checks
// against any newer one with a consistency proof.
//
// Entries and checkpoints are laid out in chain/log_checkpoint.h, so that
// an auditor's tools check them without the gateway.
class LocalLedger final : public Ledger {
 public:
  // The log's origin is its key's name.
  LocalLedger(const GatewayStateReader& state, const platform::Sha256& sha,
              chain::NoteSignerKey log_key);

  Result<proto::LedgerRef> anchor(const Digest& batch_root, std::uint64_t batch_id,
                                  std::uint64_t time_ms, GatewayTransaction& same_commit) override;

  Result<std::uint64_t> size() const;
  Result<Bytes> entry(std::uint64_t index) const;
  Result<Digest> root(std::uint64_t size) const;
  // The same, from any view of the state (a restored copy, before it runs).
  static Result<Digest> root(const GatewayStateReader& state, const platform::Sha256& sha,
                             std::uint64_t size);
  Result<std::vector<Digest>> inclusion_proof(std::uint64_t index, std::uint64_t size) const {
    return inclusion_proof(state_, sha_, index, size);
  }
  // The same, from any view of the state (a snapshot, for an export).
  static Result<std::vector<Digest>> inclusion_proof(const GatewayStateReader& state,
                                                     const platform::Sha256& sha,
                                                     std::uint64_t index, std::uint64_t size);
  Result<std::vector<Digest>> consistency_proof(std::uint64_t old_size,
                                                std::uint64_t new_size) const {
    return consistency_proof(state_, sha_, old_size, new_size);
  }
  static Result<std::vector<Digest>> consistency_proof(const GatewayStateReader& state,
                                                       const platform::Sha256& sha,
                                                       std::uint64_t old_size,
                                                       std::uint64_t new_size);

  // The checkpoint of the log as it is now (chain::LogCheckpoint::sign):
  //   <origin>\n<size>\n<base64 root>\n\n— <origin> <base64(key id || Ed25519 signature)>\n
  Result<std::string> checkpoint();
  // The log key's vkey: what auditors and witnesses trust checkpoints by.
  const chain::NoteVerifierKey& log_key() const { return log_key_.verifier; }

  // An anchored receipt on this log names the entry that holds its batch:
  // that entry must be in `state`'s log with the same batch id and root.
  // kIntegrity naming the entry when it is not (a log that lost entries,
  // restored from an older copy, or was changed).
  static Status holds_batch_of(const GatewayStateReader& state, const proto::ReceiptBody& receipt);

 private:
  static Result<std::vector<Digest>> leaves(const GatewayStateReader& state,
                                            const platform::Sha256& sha, std::uint64_t size);

  const GatewayStateReader& state_;
  const platform::Sha256& sha_;
  chain::NoteSignerKey log_key_;
};

}  // namespace vs::gateway
