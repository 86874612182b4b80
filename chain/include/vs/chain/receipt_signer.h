#pragma once

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
  ReceiptSigner(const platform::Sha256& sha, platform::Signer& gateway_key)
      : sha_(sha), gateway_key_(gateway_key) {}

  Result<proto::Receipt> sign(const proto::ReceiptBody& body);
  // The same, encoded as it travels.
  Result<Bytes> sign_encoded(const proto::ReceiptBody& body);
  // A SignedResendRequest, encoded as it travels.
  Result<Bytes> sign_encoded(const proto::ResendRequest& request);

 private:
  const platform::Sha256& sha_;
  platform::Signer& gateway_key_;
};

}  // namespace vs::chain
