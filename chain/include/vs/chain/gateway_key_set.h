#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"

namespace vs::chain {

// One gateway key a device or an auditor trusts, and when: a receipt or
// resend request it signed counts only if issued inside its window.
struct GatewayKey {
  std::string name;  // the key's name in the gateway's key store
  Bytes public_key;  // SubjectPublicKeyInfo, DER
  Bytes key_id;      // what receipts name it by (ReceiptVerifier::key_id)
  std::uint64_t valid_from_ms = 0;
  std::optional<std::uint64_t> valid_until_ms;  // exclusive; none: no end yet
  std::shared_ptr<const platform::Verifier> verifier;

  bool valid_at(std::uint64_t time_ms) const {
    return time_ms >= valid_from_ms && (!valid_until_ms || time_ms < *valid_until_ms);
  }
  // "gateway-2 (from 2026-12-03T05:00:00Z, no end)"
  std::string describe() const;
};

// The trusted gateway keys file: each key with its validity window, so that
// a gateway can change its key without devices or auditors losing the
// receipts the old one signed, and a retired key signs nothing new. Text,
// one key per line, '#' comments and blank lines ignored:
//   <name> <valid from> <valid until, or "-"> <public key: SPKI DER, hex>
// Times are RFC 3339 UTC to the second ("2026-12-03T05:00:00Z"); a key is
// valid from its first time up to, not including, its second. Windows may
// overlap (a gateway switching keys while its receipts are in flight).
class GatewayKeySet {
 public:
  static constexpr std::size_t kMaxKeys = 64;
  static constexpr std::size_t kMaxTextBytes = 64 * 1024;

  GatewayKeySet() = default;

  // The file's text; an error names the line and what is wrong with it.
  static Result<GatewayKeySet> parse(const platform::Sha256& sha,
                                     const platform::VerifierFactory& keys, std::string_view text);
  // One key valid at any time: a gateway that never rotated (a
  // gateway.public_key file, `verify --gateway-key`).
  static Result<GatewayKeySet> one(const platform::Sha256& sha,
                                   const platform::VerifierFactory& keys, ByteView public_key,
                                   std::string name = "gateway");
  // The same, for a verifier the caller keeps alive.
  static GatewayKeySet one(const platform::Sha256& sha, const platform::Verifier& verifier,
                           ByteView public_key);

  // The file's text, parse() reads it back.
  std::string text() const;

  // A rotation at `at_ms` (whole seconds): every key's window still open
  // then closes at `at_ms`, and the new key is valid from `at_ms`. Refused
  // when the name or key is already listed, or a window would end before
  // it began.
  Status rotate_to(const platform::Sha256& sha, const platform::VerifierFactory& keys,
                   std::string name, ByteView public_key, std::uint64_t at_ms);

  // The key a signature names by its id; nullptr when none is trusted.
  const GatewayKey* find(ByteView key_id) const;
  // The newest key (latest start) valid at `time_ms` that is `usable` (its
  // private key held), or nullptr: which key a gateway signs with then.
  const GatewayKey* signing_key_at(std::uint64_t time_ms,
                                   const std::function<bool(const GatewayKey&)>& usable) const;
  // Only the key given, with its window: to check a receipt against the
  // key a proof names. kIntegrity when it is not trusted.
  Result<GatewayKeySet> only(ByteView public_key) const;

  const std::vector<GatewayKey>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }

 private:
  Status add(GatewayKey key);

  std::vector<GatewayKey> keys_;
};

}  // namespace vs::chain
