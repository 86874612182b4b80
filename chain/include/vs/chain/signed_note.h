#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vs/platform/bytes.h"
#include "vs/platform/ed25519.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"

namespace vs::chain {

// C2SP signed-note (c2sp.org/signed-note): a text ending in a newline, a
// blank line, then one line per signature, "— <key name> <base64(4-byte
// key id || signature)>". Two signature types here, both Ed25519: 0x01, a
// log signing its checkpoints, and 0x04, a witness's timestamped
// cosignature (c2sp.org/tlog-cosignature). Go's golang.org/x/mod/sumdb/note
// reads and writes the same notes and keys.
enum class NoteKeyType : std::uint8_t { kEd25519 = 0x01, kCosignature = 0x04 };

// A verifier key (vkey): <name>+<hex key id>+<base64(type || public key)>,
// the key id being SHA-256(name || "\n" || type || public key)[:4].
struct NoteVerifierKey {
  std::string name;
  std::uint32_t id = 0;
  NoteKeyType type = NoteKeyType::kEd25519;
  Bytes public_key;  // 32 bytes

  static NoteVerifierKey make(const platform::Sha256& sha, std::string name, NoteKeyType type,
                              ByteView public_key);
  // kMalformed naming what is wrong; the key id must be the one its name,
  // type and key give.
  static Result<NoteVerifierKey> parse(const platform::Sha256& sha, std::string_view text);
  std::string text() const;
  static std::uint32_t key_id(const platform::Sha256& sha, std::string_view name, NoteKeyType type,
                              ByteView public_key);
  // Key names are not empty and hold no space and no '+'.
  static Status check_name(std::string_view name);
};

// A signer key as Go's note package writes it (note.GenerateKey):
// PRIVATE+KEY+<name>+<hex key id>+<base64(type || 32-byte Ed25519 seed)>.
struct NoteSignerKey {
  std::string name;
  NoteKeyType type = NoteKeyType::kEd25519;
  Bytes seed;
  std::unique_ptr<platform::Ed25519Signer> signer;
  NoteVerifierKey verifier;

  static Result<NoteSignerKey> make(const platform::Sha256& sha, const platform::Ed25519& ed25519,
                                    std::string name, NoteKeyType type, ByteView seed);
  // The key id in the text must be the one the seed's public key gives.
  static Result<NoteSignerKey> parse(const platform::Sha256& sha, const platform::Ed25519& ed25519,
                                     std::string_view text);
  std::string text() const;
};

struct SignedNote {
  struct Signature {
    std::string name;
    std::uint32_t key_id = 0;
    Bytes bytes;  // what follows the key id
  };
  std::string text;  // the signed text, its final newline included
  std::vector<Signature> signatures;

  static constexpr std::size_t kMaxBytes = 64 * 1024;
  static constexpr std::size_t kMaxSignatures = 64;

  // The format only: UTF-8 without control characters but newlines, the
  // last blank line before at least one signature line, every line after
  // it a signature. Nothing is verified here.
  static Result<SignedNote> parse(std::string_view note);
  std::string serialize() const;
  // The signature with the key's name and id, if any (others are ignored,
  // as the spec says).
  const Signature* signed_by(const NoteVerifierKey& key) const;
};

}  // namespace vs::chain
