#pragma once

#include <filesystem>
#include <string>

#include "vs/chain/signed_note.h"
#include "vs/platform/ed25519.h"
#include "vs/platform/random.h"
#include "vs/platform/sha256.h"

namespace vs::gateway {

// The local ledger's Ed25519 note key on disk: the signer key as Go's note
// package writes it (PRIVATE+KEY+<name>+<id>+<key>, mode 0600), and its
// vkey beside it (mode 0644, the same path with the extension .vkey), which
// operators hand to auditors and witnesses. The key's name is the log's
// origin: a key of another name is refused, never used for this log.
struct LogKeyFile {
  chain::NoteSignerKey key;
  bool created = false;  // made now: the log had none

  static Result<LogKeyFile> load_or_create(const std::filesystem::path& path,
                                           const std::string& origin, const platform::Sha256& sha,
                                           const platform::Ed25519& ed25519,
                                           platform::Random& random);
  static Result<chain::NoteSignerKey> load(const std::filesystem::path& path,
                                           const std::string& origin, const platform::Sha256& sha,
                                           const platform::Ed25519& ed25519);
};

}  // namespace vs::gateway
