#include "vs/chain/signed_note.h"

#include <cstring>

namespace vs::chain {
namespace {

constexpr std::string_view kSignaturePrefix = "\xe2\x80\x94 ";  // "— ": U+2014 and a space
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";

std::string hex_id(std::uint32_t id) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", id);
  return text;
}

Result<std::uint32_t> parse_hex_id(std::string_view text) {
  if (text.size() != 8 || text.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return Error(ErrorCode::kMalformed, "a note key id is 8 lowercase hex digits");
  return static_cast<std::uint32_t>(std::stoul(std::string(text), nullptr, 16));
}

Result<NoteKeyType> key_type(std::uint8_t byte) {
  if (byte == static_cast<std::uint8_t>(NoteKeyType::kEd25519)) return NoteKeyType::kEd25519;
  if (byte == static_cast<std::uint8_t>(NoteKeyType::kCosignature))
    return NoteKeyType::kCosignature;
  return Error(ErrorCode::kUnsupported,
               "a note key of a type other than Ed25519 (0x01) or Ed25519 cosignature (0x04)");
}

// "<name>+<hex id>+<base64(type || key)>" into its parts.
struct KeyParts {
  std::string_view name;
  std::uint32_t id = 0;
  NoteKeyType type = NoteKeyType::kEd25519;
  Bytes material;
};
Result<KeyParts> split_key(std::string_view text) {
  // The key is base64, which may hold '+' itself: names hold none.
  std::size_t first = text.find('+');
  std::size_t second = first == std::string_view::npos ? first : text.find('+', first + 1);
  if (second == std::string_view::npos)
    return Error(ErrorCode::kMalformed, "a note key is <name>+<key id>+<key>");
  KeyParts parts;
  parts.name = text.substr(0, first);
  VS_TRY(NoteVerifierKey::check_name(parts.name));
  VS_TRY_ASSIGN(parts.id, parse_hex_id(text.substr(first + 1, second - first - 1)));
  auto decoded = from_base64(text.substr(second + 1));
  if (!decoded || decoded->size() != 33)
    return Error(ErrorCode::kMalformed, "a note key's key is base64 of a type byte and 32 bytes");
  VS_TRY_ASSIGN(parts.type, key_type((*decoded)[0]));
  parts.material.assign(decoded->begin() + 1, decoded->end());
  return parts;
}

}  // namespace

std::uint32_t NoteVerifierKey::key_id(const platform::Sha256& sha, std::string_view name,
                                      NoteKeyType type, ByteView public_key) {
  Bytes input(name.begin(), name.end());
  input.push_back('\n');
  input.push_back(static_cast<std::uint8_t>(type));
  input.insert(input.end(), public_key.begin(), public_key.end());
  Digest digest = sha.digest(input);
  return (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) |
         (std::uint32_t{digest[2]} << 8) | std::uint32_t{digest[3]};
}

Status NoteVerifierKey::check_name(std::string_view name) {
  if (name.empty() || name.size() > 256)
    return Error(ErrorCode::kMalformed, "a note key name is 1 to 256 characters");
  for (char c : name)
    if (c == '+' || static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return Error(ErrorCode::kMalformed,
                   "a note key name holds no space, no '+' and no control character")
          .about(std::string(name));
  return {};
}

NoteVerifierKey NoteVerifierKey::make(const platform::Sha256& sha, std::string name,
                                      NoteKeyType type, ByteView public_key) {
  NoteVerifierKey key;
  key.id = key_id(sha, name, type, public_key);
  key.name = std::move(name);
  key.type = type;
  key.public_key.assign(public_key.begin(), public_key.end());
  return key;
}

Result<NoteVerifierKey> NoteVerifierKey::parse(const platform::Sha256& sha, std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  VS_TRY_ASSIGN(KeyParts parts, split_key(text));
  NoteVerifierKey key = make(sha, std::string(parts.name), parts.type, parts.material);
  if (key.id != parts.id)
    return Error(ErrorCode::kMalformed, "the vkey's key id is not the one its name and key give")
        .about(std::string(parts.name));
  return key;
}

std::string NoteVerifierKey::text() const {
  Bytes typed{static_cast<std::uint8_t>(type)};
  typed.insert(typed.end(), public_key.begin(), public_key.end());
  return name + "+" + hex_id(id) + "+" + to_base64(typed);
}

Result<NoteSignerKey> NoteSignerKey::make(const platform::Sha256& sha,
                                          const platform::Ed25519& ed25519, std::string name,
                                          NoteKeyType type, ByteView seed) {
  VS_TRY(NoteVerifierKey::check_name(name));
  NoteSignerKey key;
  VS_TRY_ASSIGN(key.signer, ed25519.signer(seed));
  key.verifier = NoteVerifierKey::make(sha, name, type, key.signer->public_key());
  key.name = std::move(name);
  key.type = type;
  key.seed.assign(seed.begin(), seed.end());
  return key;
}

Result<NoteSignerKey> NoteSignerKey::parse(const platform::Sha256& sha,
                                           const platform::Ed25519& ed25519,
                                           std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.substr(0, kPrivateKeyPrefix.size()) != kPrivateKeyPrefix)
    return Error(ErrorCode::kMalformed, "a note signer key starts with PRIVATE+KEY+");
  VS_TRY_ASSIGN(KeyParts parts, split_key(text.substr(kPrivateKeyPrefix.size())));
  VS_TRY_ASSIGN(NoteSignerKey key,
                make(sha, ed25519, std::string(parts.name), parts.type, parts.material));
  if (key.verifier.id != parts.id)
    return Error(ErrorCode::kMalformed,
                 "the signer key's key id is not the one its name and key give")
        .about(key.name);
  return key;
}

std::string NoteSignerKey::text() const {
  Bytes typed{static_cast<std::uint8_t>(type)};
  typed.insert(typed.end(), seed.begin(), seed.end());
  return std::string(kPrivateKeyPrefix) + name + "+" + hex_id(verifier.id) + "+" + to_base64(typed);
}

Result<SignedNote> SignedNote::parse(std::string_view note) {
  if (note.size() > kMaxBytes)
    return Error(ErrorCode::kMalformed, "a signed note is larger than 64 KiB");
  for (char c : note)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f)
      return Error(ErrorCode::kMalformed, "a signed note holds a control character");
  if (note.empty() || note.back() != '\n')
    return Error(ErrorCode::kMalformed, "a signed note ends with a newline");
  std::size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos)
    return Error(ErrorCode::kMalformed, "a signed note has no blank line before its signatures");
  SignedNote parsed;
  parsed.text = std::string(note.substr(0, blank + 1));
  std::string_view lines = note.substr(blank + 2);
  if (lines.empty()) return Error(ErrorCode::kMalformed, "a signed note has no signature");
  while (!lines.empty()) {
    std::size_t end = lines.find('\n');
    std::string_view line = lines.substr(0, end);
    lines.remove_prefix(end + 1);
    if (parsed.signatures.size() == kMaxSignatures)
      return Error(ErrorCode::kMalformed, "a signed note has more than 64 signatures");
    std::size_t name_end = line.find(' ', kSignaturePrefix.size());
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix ||
        name_end == std::string_view::npos)
      return Error(ErrorCode::kMalformed, "a line after the blank line is not a signature");
    Signature signature;
    signature.name =
        std::string(line.substr(kSignaturePrefix.size(), name_end - kSignaturePrefix.size()));
    VS_TRY(NoteVerifierKey::check_name(signature.name));
    auto decoded = from_base64(line.substr(name_end + 1));
    if (!decoded || decoded->size() < 5)
      return Error(ErrorCode::kMalformed, "a note signature is not a key id and a signature")
          .about(signature.name);
    signature.key_id = (std::uint32_t{(*decoded)[0]} << 24) | (std::uint32_t{(*decoded)[1]} << 16) |
                       (std::uint32_t{(*decoded)[2]} << 8) | std::uint32_t{(*decoded)[3]};
    signature.bytes.assign(decoded->begin() + 4, decoded->end());
    parsed.signatures.push_back(std::move(signature));
  }
  return parsed;
}

std::string SignedNote::serialize() const {
  std::string out = text + "\n";
  for (const Signature& signature : signatures) {
    Bytes id_and_signature{static_cast<std::uint8_t>(signature.key_id >> 24),
                           static_cast<std::uint8_t>(signature.key_id >> 16),
                           static_cast<std::uint8_t>(signature.key_id >> 8),
                           static_cast<std::uint8_t>(signature.key_id)};
    id_and_signature.insert(id_and_signature.end(), signature.bytes.begin(), signature.bytes.end());
    out +=
        std::string(kSignaturePrefix) + signature.name + " " + to_base64(id_and_signature) + "\n";
  }
  return out;
}

const SignedNote::Signature* SignedNote::signed_by(const NoteVerifierKey& key) const {
  for (const Signature& signature : signatures)
    if (signature.name == key.name && signature.key_id == key.id) return &signature;
  return nullptr;
}

}  // namespace vs::chain
