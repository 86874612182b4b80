#pragma once

#include <memory>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/signer.h"

namespace vs::platform {

// Verifies ECDSA P-256 signatures of one public key. verify() is const and
// safe to call from several threads at once.
class Verifier {
 public:
  virtual ~Verifier() = default;
  // kIntegrity when the signature does not match.
  virtual Status verify(const Digest& digest, const Signature& signature) const = 0;
  Status verify(const Digest& digest, ByteView signature) const;
};

// Parses a SubjectPublicKeyInfo (DER) into a Verifier; kMalformed when it is
// not a P-256 public key.
class VerifierFactory {
 public:
  virtual ~VerifierFactory() = default;
  virtual Result<std::unique_ptr<Verifier>> make_verifier(ByteView public_key_der) const = 0;
};

}  // namespace vs::platform
