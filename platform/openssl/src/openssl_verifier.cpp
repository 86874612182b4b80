#include "vs/platform/openssl_verifier.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstring>
#include <mutex>
#include <string>

namespace vs::platform {
namespace {

// Appends one DER INTEGER holding the unsigned big-endian value.
void append_der_integer(const std::uint8_t* value, std::size_t size, std::uint8_t* out,
                        std::size_t& used) {
  std::size_t skip = 0;
  while (skip + 1 < size && value[skip] == 0) ++skip;
  bool pad = (value[skip] & 0x80) != 0;
  std::size_t length = size - skip + (pad ? 1 : 0);
  out[used++] = 0x02;
  out[used++] = static_cast<std::uint8_t>(length);
  if (pad) out[used++] = 0x00;
  std::memcpy(out + used, value + skip, size - skip);
  used += size - skip;
}

// r || s -> DER ECDSA-Sig-Value, which is what EVP_PKEY_verify takes.
std::size_t signature_to_der(const Signature& signature, std::uint8_t out[72]) {
  std::uint8_t body[70];
  std::size_t body_size = 0;
  append_der_integer(signature.data(), 32, body, body_size);
  append_der_integer(signature.data() + 32, 32, body, body_size);
  out[0] = 0x30;
  out[1] = static_cast<std::uint8_t>(body_size);
  std::memcpy(out + 2, body, body_size);
  return body_size + 2;
}

class OpensslVerifier final : public Verifier {
 public:
  explicit OpensslVerifier(EVP_PKEY* key) : key_(key) {}
  ~OpensslVerifier() override {
    EVP_PKEY_CTX_free(context_);
    EVP_PKEY_free(key_);
  }
  OpensslVerifier(const OpensslVerifier&) = delete;
  OpensslVerifier& operator=(const OpensslVerifier&) = delete;

  using Verifier::verify;
  Status verify(const Digest& digest, const Signature& signature) const override {
    std::uint8_t der[72];
    std::size_t der_size = signature_to_der(signature, der);
    // One context, set up once: OpenSSL 3 spends as much fetching the
    // algorithm for a fresh context as verifying. The lock keeps verify()
    // thread-safe; a gateway holds one verifier per device, so it is
    // rarely contended.
    std::lock_guard lock(mutex_);
    if (context_ == nullptr) {
      context_ = EVP_PKEY_CTX_new(key_, nullptr);
      if (context_ == nullptr || EVP_PKEY_verify_init(context_) != 1) {
        EVP_PKEY_CTX_free(context_);
        context_ = nullptr;
        return Error(ErrorCode::kInternal, "cannot set up a verify context");
      }
    }
    int rc = EVP_PKEY_verify(context_, der, der_size, digest.data(), digest.size());
    if (rc == 1) return {};
    if (rc == 0) return Error(ErrorCode::kIntegrity, "signature does not verify");
    return Error(ErrorCode::kIntegrity, "signature does not verify (rejected as invalid)", rc);
  }

 private:
  EVP_PKEY* key_;
  mutable std::mutex mutex_;
  mutable EVP_PKEY_CTX* context_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Verifier>> OpensslVerifierFactory::make_verifier(
    ByteView public_key_der) const {
  const unsigned char* cursor = public_key_der.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(public_key_der.size()));
  if (key == nullptr) {
    return Error(ErrorCode::kMalformed, "public key is not a DER SubjectPublicKeyInfo");
  }
  char group[64] = {};
  std::size_t group_length = 0;
  bool is_p256 = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
                 EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                                sizeof group, &group_length) == 1 &&
                 std::string(group, group_length) == "prime256v1";
  if (!is_p256) {
    EVP_PKEY_free(key);
    return Error(ErrorCode::kMalformed, "public key is not an EC P-256 key");
  }
  return std::unique_ptr<Verifier>(std::make_unique<OpensslVerifier>(key));
}

}  // namespace vs::platform
