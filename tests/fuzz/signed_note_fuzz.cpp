// Outside bytes: signed notes (checkpoints a witness or an auditor is
// handed), vkeys given on a command line, and witness requests. Promise:
// a parse or an error naming why; a witness refuses or accepts, never
// cosigns what its log key did not sign; no crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "test_log_key.h"
#include "vs/chain/witness.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static vs::platform::OpensslSha256 sha;
  static vs::platform::OpensslEd25519 ed25519;
  static const vs::chain::NoteSignerKey log_key = vs::testing::test_log_key("fuzz/notes");
  if (auto note = vs::chain::SignedNote::parse(text)) {
    if (note->signatures.empty() || note->text.empty() || note->text.back() != '\n')
      __builtin_trap();
    (void)vs::chain::LogCheckpoint::parse_body(note->text);
  }
  (void)vs::chain::NoteVerifierKey::parse(sha, text);
  (void)vs::chain::NoteSignerKey::parse(sha, ed25519, text);
  if (auto request = vs::chain::Witness::Request::parse(text)) {
    std::vector<vs::chain::NoteVerifierKey> logs{log_key.verifier};
    auto decision = vs::chain::Witness(sha, ed25519).check(*request, logs, std::nullopt);
    if (decision.accepted &&
        !vs::chain::LogCheckpoint::verify(request->checkpoint, ed25519, log_key.verifier))
      __builtin_trap();
  }
  return 0;
}
