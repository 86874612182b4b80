#pragma once

#include <string>
#include <string_view>

#include "vs/chain/signed_note.h"
#include "vs/platform/bytes.h"
#include "vs/platform/ed25519.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"

namespace vs::chain {

// One entry of the gateway's local ledger (89 bytes): version 1 | index |
// batch id | time ms (8 bytes each, big-endian) | batch root (32) | hash of
// the entry before it (32).
struct LogEntry {
  static constexpr std::size_t kSize = 1 + 8 + 8 + 8 + 32 + 32;
  std::uint64_t index = 0;
  std::uint64_t batch_id = 0;
  std::uint64_t time_ms = 0;
  Digest batch_root{};
  Digest previous{};

  Bytes encode() const;
  static Result<LogEntry> decode(ByteView bytes);
};

// A checkpoint of the local ledger's tree (c2sp.org/tlog-checkpoint) as a
// C2SP signed note signed with the log's Ed25519 key, whose key name is the
// log's origin:
//   <origin>\n<size>\n<base64 root>\n\n— <origin> <base64(key id || signature)>\n
// Witnesses add their cosignature lines (c2sp.org/tlog-cosignature).
struct LogCheckpoint {
  std::string origin;
  std::uint64_t size = 0;
  Digest root{};

  // The note text (three lines), what every signature covers.
  std::string body() const;
  // The body signed by `log_key`, whose name must be the origin.
  Result<std::string> sign(const NoteSignerKey& log_key) const;
  // Parses a checkpoint and checks the log's signature on it: kIntegrity
  // when it carries none by `log_key` or it does not verify, kMalformed
  // when it is not a checkpoint (the origin must be the key's name; lines
  // beyond the three are refused: vitalsign writes none).
  static Result<LogCheckpoint> verify(std::string_view text, const platform::Ed25519& ed25519,
                                      const NoteVerifierKey& log_key);
  // The body alone, parsed (what a signed note's text holds).
  static Result<LogCheckpoint> parse_body(std::string_view body);
  // A whole checkpoint note, its signatures not checked (what a witness
  // keeps, or a log's own file, read back): only to learn which log and size.
  static Result<LogCheckpoint> parse_unverified(std::string_view note);
};

}  // namespace vs::chain
