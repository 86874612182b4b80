#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "vs/platform/key_store.h"

namespace vs::platform {

struct Pkcs11Options {
  std::filesystem::path
      module;               // the token's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string token_label;  // which token (slot) holds the device's keys
  std::string pin;          // the user PIN
};

// Device keys kept in a PKCS#11 token (a secure element, an HSM, SoftHSM2 in
// tests): ECDSA P-256 key pairs generated on the token, private halves
// sensitive and never extractable, found again by their label. Signatures
// are made on the token (CKM_ECDSA over the SHA-256 digest), so they are
// randomised rather than RFC 6979 deterministic; verifiers do not care.
// One session, used under a lock: PKCS#11 sessions are not for concurrent use.
class Pkcs11KeyStore final : public KeyStore {
 public:
  // kNotFound: no module or no token with that label; kPermission: wrong PIN.
  static Result<std::unique_ptr<Pkcs11KeyStore>> open(const Pkcs11Options& options);
  ~Pkcs11KeyStore() override;
  Pkcs11KeyStore(const Pkcs11KeyStore&) = delete;
  Pkcs11KeyStore& operator=(const Pkcs11KeyStore&) = delete;

  Result<std::unique_ptr<Signer>> create(std::string_view key_name) override;
  Result<std::unique_ptr<Signer>> load(std::string_view key_name) override;
  Result<Bytes> public_key(std::string_view key_name) override;

  struct Token;  // the loaded module and the logged-in session

 private:
  explicit Pkcs11KeyStore(std::shared_ptr<Token> token);
  std::shared_ptr<Token> token_;
};

}  // namespace vs::platform
