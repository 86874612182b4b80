#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vs/chain/log_checkpoint.h"
#include "vs/chain/signed_note.h"
#include "vs/platform/ed25519.h"
#include "vs/platform/sha256.h"

namespace vs::chain {

// A witness (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature): it keeps the
// latest checkpoint it cosigned for each log it follows, cosigns a newer one
// only when a consistency proof shows the newer tree extends it, and never
// cosigns two different trees of one size, so a log cannot show one history
// to some and another to others (a split view).
class Witness {
 public:
  // The add-checkpoint request body: "old <size>\n", the consistency proof
  // (one base64 hash a line, at most 63), an empty line, the checkpoint.
  struct Request {
    std::uint64_t old_size = 0;
    std::vector<Digest> proof;
    std::string checkpoint;  // the signed note, as submitted
    static Result<Request> parse(std::string_view body);
    std::string serialize() const;
  };

  // Why a request is not cosigned; `http_status` is what the witness API
  // answers (tlog-witness): 404 unknown log, 403 no valid log signature, 400
  // old size above the checkpoint's, 409 old size is not the latest cosigned
  // (`latest_size` says it), 422 the proof does not verify or one size with
  // two roots (a split view).
  struct Refusal {
    int http_status = 0;
    std::string reason;
    std::uint64_t latest_size = 0;  // with 409
  };
  struct Decision {
    std::optional<LogCheckpoint> accepted;  // to keep as the latest, then cosign
    std::optional<Refusal> refused;
  };

  Witness(const platform::Sha256& sha, const platform::Ed25519& ed25519)
      : sha_(sha), ed25519_(ed25519) {}

  // `log_keys`: the logs this witness follows (a log is its key's name).
  // `latest`: what it cosigned last for that log, if anything.
  Decision check(const Request& request, std::span<const NoteVerifierKey> log_keys,
                 const std::optional<LogCheckpoint>& latest) const;

  // The cosignature/v1 line's signature on a checkpoint (c2sp.org/
  // tlog-cosignature): 8-byte big-endian timestamp || Ed25519 over
  // "cosignature/v1\ntime <timestamp>\n" || the checkpoint's note text.
  static Result<SignedNote::Signature> cosign(const NoteSignerKey& witness_key,
                                              std::string_view checkpoint_text,
                                              std::uint64_t timestamp_s);
  static std::string cosigned_message(std::string_view checkpoint_text, std::uint64_t timestamp_s);

  // Counts the witnesses of `witness_keys` whose valid cosignature the note
  // carries. kIntegrity when a trusted witness's line does not verify.
  static Result<std::size_t> count_cosigned(const SignedNote& note,
                                            std::span<const NoteVerifierKey> witness_keys,
                                            const platform::Ed25519& ed25519);

 private:
  const platform::Sha256& sha_;
  const platform::Ed25519& ed25519_;
};

}  // namespace vs::chain
