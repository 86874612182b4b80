#pragma once

#include "vs/platform/ed25519.h"

namespace vs::platform {

// Ed25519 on OpenSSL 3 libcrypto (EVP_PKEY_ED25519).
class OpensslEd25519 final : public Ed25519 {
 public:
  bool verify(ByteView public_key, ByteView message, ByteView signature) const override;
  Result<std::unique_ptr<Ed25519Signer>> signer(ByteView seed) const override;
};

}  // namespace vs::platform
