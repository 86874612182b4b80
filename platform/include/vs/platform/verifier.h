#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

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

// Keeps the verifiers another factory made, by key: parsing a public key
// costs OpenSSL 3 more than verifying a signature with it, and a gateway
// sees the same few thousand keys all day. Thread-safe; holds at most
// `capacity` keys (then starts over).
class CachingVerifierFactory final : public VerifierFactory {
 public:
  explicit CachingVerifierFactory(const VerifierFactory& inner, std::size_t capacity = 100'000)
      : inner_(inner), capacity_(capacity) {}
  Result<std::unique_ptr<Verifier>> make_verifier(ByteView public_key_der) const override;

 private:
  const VerifierFactory& inner_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const Verifier>> cache_;
};

}  // namespace vs::platform
