#pragma once

#include <memory>
#include <string_view>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/signer.h"

namespace vs::platform {

// Where a device's private keys live: files today, a secure element or
// PKCS#11 token tomorrow. Private key material never leaves it except as a
// Signer.
class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // kConflict when a key of that name exists.
  virtual Result<std::unique_ptr<Signer>> create(std::string_view key_name) = 0;
  // kNotFound when absent; kPermission when the stored key is exposed.
  virtual Result<std::unique_ptr<Signer>> load(std::string_view key_name) = 0;
  // The public key (SubjectPublicKeyInfo, DER).
  virtual Result<Bytes> public_key(std::string_view key_name) = 0;
};

}  // namespace vs::platform
