// Outside bytes: a trusted gateway keys file, as an operator hands it to
// devices and auditors. Promise: a key set or an error naming the line and
// why; what parses writes back as text that parses to the same; no crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vs/chain/gateway_key_set.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static vs::platform::MbedtlsSha256 sha;
  static vs::platform::MbedtlsVerifierFactory verifiers;
  auto keys = vs::chain::GatewayKeySet::parse(sha, verifiers, text);
  if (!keys) return 0;
  if (keys->empty()) __builtin_trap();
  std::string written = keys->text();
  auto again = vs::chain::GatewayKeySet::parse(sha, verifiers, written);
  if (!again || again->text() != written) __builtin_trap();
  for (const auto& key : keys->keys())
    if (keys->find(key.key_id) != &key || key.verifier == nullptr) __builtin_trap();
  return 0;
}
