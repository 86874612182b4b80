#pragma once

#include <string>
#include <string_view>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"

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

// A signed note for the local ledger's tree (C2SP tlog-checkpoint):
//   <origin>\n<size>\n<base64 root>\n\n— <origin> <base64(key hint || r || s)>\n
// key hint: the first 4 bytes of SHA-256 of the gateway's SubjectPublicKeyInfo.
struct LogCheckpoint {
  std::string origin;
  std::uint64_t size = 0;
  Digest root{};

  // Parses a checkpoint and checks the gateway's signature on it;
  // kIntegrity when it does not verify, kMalformed when it is not one.
  static Result<LogCheckpoint> verify(std::string_view text, const platform::Sha256& sha,
                                      const platform::Verifier& gateway_key,
                                      ByteView gateway_public_key);
};

}  // namespace vs::chain
