#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vs/chain/gateway_key_set.h"
#include "vs/platform/sha256.h"
#include "vs/platform/signer.h"
#include "vs/proto/control.h"
#include "vs/proto/receipt.h"

namespace vs::chain {

// The gateway's side of ReceiptVerifier: encodes a receipt body (or a
// resend request) once, signs SHA-256 of those exact bytes, and names the
// signing key.
class ReceiptSigner {
 public:
  // One key, at any time.
  ReceiptSigner(const platform::Sha256& sha, platform::Signer& gateway_key)
      : sha_(sha), gateway_key_(gateway_key) {}

  // A rotating gateway: `trusted` says which key is valid when, `held` are
  // the private keys of it this gateway has, by name (they must outlive
  // this). Each receipt or request is then signed by the newest held key
  // valid at its own time (issued_time_ms, time_ms); none is an error.
  void use_keys(GatewayKeySet trusted, std::vector<std::pair<std::string, platform::Signer*>> held);
  // The key that signs at `time_ms`.
  Result<platform::Signer*> key_at(std::uint64_t time_ms);

  Result<proto::Receipt> sign(const proto::ReceiptBody& body);
  // The same, encoded as it travels.
  Result<Bytes> sign_encoded(const proto::ReceiptBody& body);
  // A SignedResendRequest, encoded as it travels.
  Result<Bytes> sign_encoded(const proto::ResendRequest& request);

 private:
  const platform::Sha256& sha_;
  platform::Signer& gateway_key_;
  GatewayKeySet trusted_;  // empty: gateway_key_ at any time
  std::vector<std::pair<std::string, platform::Signer*>> held_;
  std::vector<std::string> held_names_;
};

}  // namespace vs::chain
