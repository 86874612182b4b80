#include "vs/chain/gateway_key_set.h"

#include <algorithm>

#include "vs/chain/receipt_verifier.h"
#include "vs/platform/clock.h"

namespace vs::chain {
namespace {

bool is_key_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    std::size_t end = at;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    if (end > at) fields.push_back(line.substr(at, end - at));
    at = end;
  }
  return fields;
}

Result<GatewayKey> make_key(const platform::Sha256& sha, const platform::VerifierFactory& keys,
                            std::string name, ByteView public_key) {
  if (!is_key_name(name))
    return Error(ErrorCode::kMalformed, "a key name is 1 to 64 of A-Z a-z 0-9 - _ .").about(name);
  auto verifier = keys.make_verifier(public_key);
  if (!verifier) return std::move(verifier).error().about("key " + name);
  GatewayKey key;
  key.name = std::move(name);
  key.public_key.assign(public_key.begin(), public_key.end());
  key.key_id = ReceiptVerifier::key_id(sha, public_key);
  key.verifier = std::shared_ptr<const platform::Verifier>(std::move(verifier).value());
  return key;
}

}  // namespace

std::string GatewayKey::describe() const {
  return name + " (from " + platform::utc_text(valid_from_ms) + ", " +
         (valid_until_ms ? "until " + platform::utc_text(*valid_until_ms) : std::string("no end")) +
         ")";
}

Status GatewayKeySet::add(GatewayKey key) {
  if (keys_.size() >= kMaxKeys) return Error(ErrorCode::kMalformed, "more than 64 keys");
  if (key.valid_until_ms && *key.valid_until_ms <= key.valid_from_ms)
    return Error(ErrorCode::kMalformed, "the window ends before it begins").about(key.name);
  for (const GatewayKey& listed : keys_) {
    if (listed.name == key.name)
      return Error(ErrorCode::kConflict, "the key name is listed twice").about(key.name);
    if (equal(listed.key_id, key.key_id))
      return Error(ErrorCode::kConflict, "the public key is listed twice")
          .about(key.name + " (also as " + listed.name + ")");
  }
  keys_.push_back(std::move(key));
  return {};
}

Result<GatewayKeySet> GatewayKeySet::parse(const platform::Sha256& sha,
                                           const platform::VerifierFactory& keys,
                                           std::string_view text) {
  if (text.size() > kMaxTextBytes)
    return Error(ErrorCode::kMalformed, "the trusted gateway keys text is over 64 KiB");
  GatewayKeySet set;
  std::size_t line_number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto fields = fields_of(line);
    if (fields.empty() || fields.front().front() == '#') continue;
    std::string where = "line " + std::to_string(line_number);
    if (fields.size() != 4) {
      return Error(ErrorCode::kMalformed,
                   "a key line is: name, valid from, valid until (or -), public key (hex)")
          .about(where);
    }
    auto from = platform::parse_utc_text(fields[1]);
    if (!from)
      return Error(ErrorCode::kMalformed, "valid from is not a UTC time like 2026-12-03T05:00:00Z")
          .about(where + ": " + std::string(fields[1]));
    std::optional<std::uint64_t> until;
    if (fields[2] != "-") {
      until = platform::parse_utc_text(fields[2]);
      if (!until)
        return Error(ErrorCode::kMalformed,
                     "valid until is not a UTC time like 2026-12-03T05:00:00Z, nor -")
            .about(where + ": " + std::string(fields[2]));
    }
    auto der = from_hex(fields[3]);
    if (!der) return std::move(der).error().about(where + ": public key");
    auto key = make_key(sha, keys, std::string(fields[0]), *der);
    if (!key) return std::move(key).error().about(where);
    key->valid_from_ms = *from;
    key->valid_until_ms = until;
    if (auto added = set.add(std::move(key).value()); !added)
      return std::move(added).error().about(where);
  }
  if (set.empty()) return Error(ErrorCode::kMalformed, "the trusted gateway keys list no key");
  return set;
}

Result<GatewayKeySet> GatewayKeySet::one(const platform::Sha256& sha,
                                         const platform::VerifierFactory& keys, ByteView public_key,
                                         std::string name) {
  VS_TRY_ASSIGN(GatewayKey key, make_key(sha, keys, std::move(name), public_key));
  GatewayKeySet set;
  set.keys_.push_back(std::move(key));
  return set;
}

GatewayKeySet GatewayKeySet::one(const platform::Sha256& sha, const platform::Verifier& verifier,
                                 ByteView public_key) {
  GatewayKey key;
  key.name = "gateway";
  key.public_key.assign(public_key.begin(), public_key.end());
  key.key_id = ReceiptVerifier::key_id(sha, public_key);
  // Not owned: the caller keeps the verifier alive.
  key.verifier = std::shared_ptr<const platform::Verifier>(std::shared_ptr<void>(), &verifier);
  GatewayKeySet set;
  set.keys_.push_back(std::move(key));
  return set;
}

std::string GatewayKeySet::text() const {
  std::string out =
      "# vitalsign trusted gateway keys, one per line:\n"
      "#   name  valid-from  valid-until (or -)  public key (SPKI DER, hex)\n"
      "# UTC times; a key is valid from its first time up to, not including, its second.\n";
  for (const GatewayKey& key : keys_) {
    out += key.name + " " + platform::utc_text(key.valid_from_ms) + " " +
           (key.valid_until_ms ? platform::utc_text(*key.valid_until_ms) : std::string("-")) + " " +
           to_hex(key.public_key) + "\n";
  }
  return out;
}

Status GatewayKeySet::rotate_to(const platform::Sha256& sha, const platform::VerifierFactory& keys,
                                std::string name, ByteView public_key, std::uint64_t at_ms) {
  at_ms -= at_ms % 1000;  // the file keeps whole seconds
  VS_TRY_ASSIGN(GatewayKey key, make_key(sha, keys, std::move(name), public_key));
  key.valid_from_ms = at_ms;
  GatewayKeySet next = *this;
  for (GatewayKey& listed : next.keys_) {
    if (listed.valid_until_ms && *listed.valid_until_ms <= at_ms) continue;
    if (listed.valid_from_ms >= at_ms)
      return Error(ErrorCode::kConflict, "a listed key only starts at or after the rotation")
          .about(listed.describe());
    listed.valid_until_ms = at_ms;
  }
  VS_TRY(next.add(std::move(key)));
  *this = std::move(next);
  return {};
}

const GatewayKey* GatewayKeySet::find(ByteView key_id) const {
  for (const GatewayKey& key : keys_)
    if (equal(key.key_id, key_id)) return &key;
  return nullptr;
}

const GatewayKey* GatewayKeySet::signing_key_at(
    std::uint64_t time_ms, const std::function<bool(const GatewayKey&)>& usable) const {
  const GatewayKey* newest = nullptr;
  for (const GatewayKey& key : keys_) {
    if (!key.valid_at(time_ms) || !usable(key)) continue;
    if (newest == nullptr || key.valid_from_ms > newest->valid_from_ms) newest = &key;
  }
  return newest;
}

Result<GatewayKeySet> GatewayKeySet::only(ByteView public_key) const {
  for (const GatewayKey& key : keys_) {
    if (!equal(key.public_key, public_key)) continue;
    GatewayKeySet set;
    set.keys_.push_back(key);
    return set;
  }
  return Error(ErrorCode::kIntegrity, "the gateway key is not among the trusted ones");
}

}  // namespace vs::chain
