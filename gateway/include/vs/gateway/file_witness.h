#pragma once

#include <filesystem>
#include <vector>

#include "vs/chain/witness.h"

namespace vs::gateway {

// A witness whose state is a directory: for each log it follows, the latest
// checkpoint it cosigned (one file per origin, replaced whole). A request is
// checked against that file and the file replaced before the cosignature is
// handed out, under an exclusive lock on the directory, so two requests at
// once cannot roll the log back (tlog-witness asks for that atomicity).
class FileWitness {
 public:
  FileWitness(std::filesystem::path state_dir, const chain::NoteSignerKey& key,
              std::vector<chain::NoteVerifierKey> log_keys, const platform::Sha256& sha,
              const platform::Ed25519& ed25519)
      : state_dir_(std::move(state_dir)),
        key_(key),
        log_keys_(std::move(log_keys)),
        sha_(sha),
        ed25519_(ed25519) {}

  struct Answer {
    std::string cosignature_lines;                   // when cosigned
    std::optional<chain::Witness::Refusal> refused;  // otherwise
  };
  // An add-checkpoint request body; an error is the witness's own trouble
  // (its state cannot be read or written), or a body that is no request.
  Result<Answer> add_checkpoint(std::string_view request_body, std::uint64_t now_s) const;

  std::filesystem::path state_file(const std::string& origin) const;

 private:
  std::filesystem::path state_dir_;
  const chain::NoteSignerKey& key_;
  std::vector<chain::NoteVerifierKey> log_keys_;
  const platform::Sha256& sha_;
  const platform::Ed25519& ed25519_;
};

}  // namespace vs::gateway
