#include "vs/chain/log_checkpoint.h"

#include <cstring>

namespace vs::chain {
namespace {

constexpr std::string_view kSignaturePrefix = "\xe2\x80\x94 ";  // "— ": U+2014 and a space

}  // namespace

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

Result<LogCheckpoint> LogCheckpoint::verify(std::string_view text, const platform::Sha256& sha,
                                            const platform::Verifier& gateway_key,
                                            ByteView gateway_public_key) {
  std::size_t blank = text.find("\n\n");
  if (blank == std::string_view::npos)
    return Error(ErrorCode::kMalformed, "checkpoint has no blank line before its signatures");
  std::string_view body = text.substr(0, blank + 1);
  std::string_view signatures = text.substr(blank + 2);
  std::size_t first = body.find('\n');
  std::size_t second = body.find('\n', first + 1);
  std::size_t third = body.find('\n', second + 1);
  if (first == std::string_view::npos || second == std::string_view::npos ||
      third == std::string_view::npos) {
    return Error(ErrorCode::kMalformed, "checkpoint body needs origin, size and root lines");
  }
  LogCheckpoint parsed;
  parsed.origin = std::string(body.substr(0, first));
  std::string size_text(body.substr(first + 1, second - first - 1));
  if (size_text.empty() || size_text.find_first_not_of("0123456789") != std::string::npos ||
      size_text.size() > 19) {
    return Error(ErrorCode::kMalformed, "checkpoint size is not a decimal number");
  }
  parsed.size = std::stoull(size_text);
  VS_TRY_ASSIGN(Bytes root_bytes, from_base64(body.substr(second + 1, third - second - 1)));
  VS_TRY_ASSIGN(parsed.root, to_array<32>(root_bytes, "checkpoint root is not 32 bytes"));

  // Every line after the blank one is a signature, "— <name> <base64 of a
  // 4-byte key id and the signature>": the gateway's, or a witness's. Text
  // that is not one would ride along unsigned, so it is refused.
  Digest key_digest = sha.digest(gateway_public_key);
  bool signed_by_gateway = false;
  std::size_t at = 0;
  if (signatures.empty()) return Error(ErrorCode::kMalformed, "checkpoint has no signature lines");
  while (at < signatures.size()) {
    std::size_t end = signatures.find('\n', at);
    if (end == std::string_view::npos)
      return Error(ErrorCode::kMalformed, "checkpoint signature line does not end");
    std::string_view line = signatures.substr(at, end - at);
    at = end + 1;
    std::size_t name_end = line.find(' ', kSignaturePrefix.size());
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix ||
        name_end == std::string_view::npos || name_end == kSignaturePrefix.size())
      return Error(ErrorCode::kMalformed,
                   "a checkpoint line after the blank line is not a signature");
    auto decoded = from_base64(line.substr(name_end + 1));
    if (!decoded || decoded->size() < 5)
      return Error(ErrorCode::kMalformed, "a checkpoint signature is not a key id and a signature");
    std::string_view name =
        line.substr(kSignaturePrefix.size(), name_end - kSignaturePrefix.size());
    if (name != parsed.origin || decoded->size() != 4 + 64 ||
        !std::equal(decoded->begin(), decoded->begin() + 4, key_digest.begin()))
      continue;  // someone else's (a witness's)
    if (!gateway_key.verify(sha.digest(as_bytes(body)), ByteView(*decoded).subspan(4)))
      return Error(ErrorCode::kIntegrity,
                   "checkpoint signature does not verify with the gateway key");
    signed_by_gateway = true;
  }
  if (!signed_by_gateway)
    return Error(ErrorCode::kIntegrity, "checkpoint carries no signature by the gateway key");
  return parsed;
}

}  // namespace vs::chain
