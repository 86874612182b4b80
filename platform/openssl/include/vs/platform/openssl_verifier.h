#pragma once

#include <memory>

#include "vs/platform/verifier.h"

namespace vs::platform {

// The gateway's ECDSA P-256 verifier: OpenSSL libcrypto, about 20x the
// Mbed TLS 2.28 verify rate on the same core. Accepts exactly what
// MbedtlsSigner produces (r || s over a SHA-256 digest).
class OpensslVerifierFactory final : public VerifierFactory {
 public:
  Result<std::unique_ptr<Verifier>> make_verifier(ByteView public_key_der) const override;
};

}  // namespace vs::platform
