#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "vs/platform/signer.h"

namespace vs::platform {

// The device default: deterministic ECDSA P-256 (RFC 6979) on Mbed TLS. The
// key is held in a long-lived ECDSA context: going through mbedtls_pk_sign
// would rebuild the curve tables on every call (half the speed).
class MbedtlsSigner final : public Signer {
 public:
  static Result<std::unique_ptr<MbedtlsSigner>> generate();
  // SEC1 or PKCS#8, PEM or DER; kMalformed if it is not a P-256 private key.
  static Result<std::unique_ptr<MbedtlsSigner>> from_private_key(ByteView pem_or_der);

  ~MbedtlsSigner() override;
  MbedtlsSigner(const MbedtlsSigner&) = delete;
  MbedtlsSigner& operator=(const MbedtlsSigner&) = delete;

  Result<Signature> sign(const Digest& digest) override;
  ByteView public_key() const override;

  Result<std::string> private_key_pem() const;
  Result<std::string> public_key_pem() const;
  // A PKCS#10 certificate signing request for this key, signed with it
  // (ECDSA with SHA-256). `subject` is an X.509 name: "O=Acme,CN=<device id>".
  Result<std::string> certificate_request_pem(const std::string& subject) const;

 private:
  struct Impl;
  explicit MbedtlsSigner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs::platform
