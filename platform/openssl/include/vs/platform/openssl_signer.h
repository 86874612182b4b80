#pragma once

#include <memory>

#include "vs/platform/signer.h"

namespace vs::platform {

// ECDSA P-256 signing on OpenSSL libcrypto, for the gateway's receipts
// (about 15x Mbed TLS's sign rate). OpenSSL 3.0 has no RFC 6979, so k is
// random: signatures verify the same, but are not reproducible.
class OpensslSigner final : public Signer {
 public:
  static Result<std::unique_ptr<OpensslSigner>> generate();
  // PEM or DER (SEC1 or PKCS#8); kMalformed if it is not a P-256 private key.
  static Result<std::unique_ptr<OpensslSigner>> from_private_key(ByteView pem_or_der);

  ~OpensslSigner() override;
  OpensslSigner(const OpensslSigner&) = delete;
  OpensslSigner& operator=(const OpensslSigner&) = delete;

  Result<Signature> sign(const Digest& digest) override;
  ByteView public_key() const override { return public_key_der_; }

 private:
  OpensslSigner(void* key, Bytes public_key_der);
  void* key_;                // EVP_PKEY*, kept opaque so no OpenSSL header leaks out
  void* context_ = nullptr;  // EVP_PKEY_CTX*, made on first sign
  Bytes public_key_der_;
};

}  // namespace vs::platform
