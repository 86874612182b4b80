// Outside bytes: proof files emailed to an auditor. Promise: any file gives
// a bundle or an error naming the field, and any bundle a report whose
// links say ok or why not; no crash, no throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "test_log_key.h"
#include "vs/chain/proof_verifier.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/proof_bundle_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bundle = vs::proto::ProofBundleJson::decode(text);
  if (!bundle) return 0;
  static vs::platform::OpensslSha256 sha;
  static vs::platform::OpensslVerifierFactory verifiers;
  static vs::platform::OpensslEd25519 ed25519;
  // The key the seed corpus's checkpoints are signed with (make_fuzz_corpus).
  static const vs::chain::NoteSignerKey log_key = vs::testing::test_log_key("fuzz/proofs");
  // The bundle's own gateway key as the trusted one: every link gets explored.
  (void)vs::chain::ProofVerifier(sha, verifiers, ed25519)
      .verify(*bundle, bundle->gateway_public_key, &log_key.verifier);
  return 0;
}
