#pragma once

#include <memory>
#include <string_view>

#include "vs/platform/verifier.h"

namespace vs::platform {

// ECDSA P-256 verification on Mbed TLS: what a device uses to check its
// gateway's receipts. About 1,000 verifies/s on one core; the gateway uses
// OpensslVerifierFactory instead.
class MbedtlsVerifierFactory final : public VerifierFactory {
 public:
  Result<std::unique_ptr<Verifier>> make_verifier(ByteView public_key_der) const override;
  // A "PUBLIC KEY" PEM file's text to SubjectPublicKeyInfo DER.
  static Result<Bytes> der_from_pem(std::string_view pem);
};

}  // namespace vs::platform
