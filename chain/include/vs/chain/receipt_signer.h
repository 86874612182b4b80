#pragma once

#include <map>
#include <string>

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
  using HeldKeys = std::map<std::string, platform::Signer*, std::less<>>;
  void use_keys(GatewayKeySet trusted, HeldKeys held);
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
  HeldKeys held_;
};

}  // namespace vs::chain
