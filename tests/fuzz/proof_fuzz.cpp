// Outside bytes: proof files emailed to an auditor. Promise: any file gives
// a bundle or an error naming the field, and any bundle a report whose
// links say ok or why not; no crash, no throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vs/chain/proof_verifier.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/proof_bundle_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bundle = vs::proto::ProofBundleJson::decode(text);
  if (!bundle) return 0;
  static vs::platform::OpensslSha256 sha;
  static vs::platform::OpensslVerifierFactory verifiers;
  // The bundle's own gateway key as the trusted one: every link gets explored.
  (void)vs::chain::ProofVerifier(sha, verifiers).verify(*bundle, bundle->gateway_public_key);
  return 0;
}
