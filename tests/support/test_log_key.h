// A local ledger's note key for tests: Ed25519 from a seed fixed by the
// log's name, so a test's checkpoints are the same from run to run.
#pragma once

#include <string>

#include "vs/chain/signed_note.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"

namespace vs::testing {

inline chain::NoteSignerKey test_log_key(const std::string& origin) {
  platform::OpensslSha256 sha;
  platform::OpensslEd25519 ed25519;
  Digest seed = sha.digest(as_bytes("vitalsign test log key " + origin));
  return chain::NoteSignerKey::make(sha, ed25519, origin, chain::NoteKeyType::kEd25519, seed)
      .value();
}

}  // namespace vs::testing
