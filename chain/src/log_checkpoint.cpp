#include "vs/chain/log_checkpoint.h"

#include <cstring>

namespace vs::chain {
Bytes LogEntry::encode() const {
  Bytes record(kSize);
  record[0] = 1;
  put_u64_be(index, record.data() + 1);
  put_u64_be(batch_id, record.data() + 9);
  put_u64_be(time_ms, record.data() + 17);
  std::memcpy(record.data() + 25, batch_root.data(), 32);
  std::memcpy(record.data() + 57, previous.data(), 32);
  return record;
}

Result<LogEntry> LogEntry::decode(ByteView bytes) {
  if (bytes.size() != kSize) return Error(ErrorCode::kMalformed, "a log entry is 89 bytes");
  if (bytes[0] != 1) return Error(ErrorCode::kUnsupported, "log entry version is not 1");
  LogEntry entry;
  entry.index = get_u64_be(bytes.data() + 1);
  entry.batch_id = get_u64_be(bytes.data() + 9);
  entry.time_ms = get_u64_be(bytes.data() + 17);
  std::memcpy(entry.batch_root.data(), bytes.data() + 25, 32);
  std::memcpy(entry.previous.data(), bytes.data() + 57, 32);
  return entry;
}

std::string LogCheckpoint::body() const {
  return origin + "\n" + std::to_string(size) + "\n" + to_base64(root) + "\n";
}

Result<std::string> LogCheckpoint::sign(const NoteSignerKey& log_key) const {
  if (log_key.name != origin || log_key.type != NoteKeyType::kEd25519)
    return Error(ErrorCode::kInvalidArgument,
                 "a checkpoint is signed by an Ed25519 note key named after its origin")
        .about(log_key.name);
  SignedNote note;
  note.text = body();
  VS_TRY_ASSIGN(Bytes signature, log_key.signer->sign(as_bytes(note.text)));
  note.signatures.push_back({log_key.name, log_key.verifier.id, std::move(signature)});
  return note.serialize();
}

Result<LogCheckpoint> LogCheckpoint::parse_body(std::string_view body) {
  std::size_t first = body.find('\n');
  std::size_t second = first == std::string_view::npos ? first : body.find('\n', first + 1);
  std::size_t third = second == std::string_view::npos ? second : body.find('\n', second + 1);
  if (third == std::string_view::npos)
    return Error(ErrorCode::kMalformed, "checkpoint body needs origin, size and root lines");
  if (third + 1 != body.size())
    return Error(ErrorCode::kMalformed,
                 "checkpoint has lines after its root (extension lines vitalsign does not write)");
  LogCheckpoint parsed;
  parsed.origin = std::string(body.substr(0, first));
  if (parsed.origin.empty()) return Error(ErrorCode::kMalformed, "checkpoint origin is empty");
  std::string size_text(body.substr(first + 1, second - first - 1));
  if (size_text.empty() || size_text.find_first_not_of("0123456789") != std::string::npos ||
      size_text.size() > 19 || (size_text.size() > 1 && size_text[0] == '0')) {
    return Error(ErrorCode::kMalformed, "checkpoint size is not a decimal number");
  }
  parsed.size = std::stoull(size_text);
  VS_TRY_ASSIGN(Bytes root_bytes, from_base64(body.substr(second + 1, third - second - 1)));
  VS_TRY_ASSIGN(parsed.root, to_array<32>(root_bytes, "checkpoint root is not 32 bytes"));
  return parsed;
}

Result<LogCheckpoint> LogCheckpoint::parse_unverified(std::string_view note) {
  VS_TRY_ASSIGN(SignedNote parsed, SignedNote::parse(note));
  return parse_body(parsed.text);
}

Result<LogCheckpoint> LogCheckpoint::verify(std::string_view text, const platform::Ed25519& ed25519,
                                            const NoteVerifierKey& log_key) {
  VS_TRY_ASSIGN(SignedNote note, SignedNote::parse(text));
  if (log_key.type != NoteKeyType::kEd25519)
    return Error(ErrorCode::kInvalidArgument, "a log key is an Ed25519 note key (type 0x01)");
  // Signatures by other keys (witnesses) are not the log's: ignored here.
  const SignedNote::Signature* signature = note.signed_by(log_key);
  if (signature == nullptr)
    return Error(ErrorCode::kIntegrity, "checkpoint carries no signature by the log key")
        .about(log_key.name);
  if (!ed25519.verify(log_key.public_key, as_bytes(note.text), signature->bytes))
    return Error(ErrorCode::kIntegrity, "checkpoint signature does not verify with the log key")
        .about(log_key.name);
  VS_TRY_ASSIGN(LogCheckpoint parsed, parse_body(note.text));
  if (parsed.origin != log_key.name)
    return Error(ErrorCode::kMalformed, "the checkpoint's origin is not the log key's name")
        .about(parsed.origin + " vs " + log_key.name);
  return parsed;
}

}  // namespace vs::chain
