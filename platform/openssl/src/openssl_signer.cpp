#include "vs/platform/openssl_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

namespace vs::platform {
namespace {

EVP_PKEY* as_key(void* key) {
  return static_cast<EVP_PKEY*>(key);
}

bool is_p256(EVP_PKEY* key) {
  char group[64] = {};
  std::size_t length = 0;
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
         EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        &length) == 1 &&
         std::string(group, length) == "prime256v1";
}

Result<Bytes> public_key_der(EVP_PKEY* key) {
  int length = i2d_PUBKEY(key, nullptr);
  if (length <= 0) return Error(ErrorCode::kInternal, "cannot write the public key");
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  i2d_PUBKEY(key, &cursor);
  return der;
}

}  // namespace

OpensslSigner::OpensslSigner(void* key, Bytes public_key_der)
    : key_(key), public_key_der_(std::move(public_key_der)) {}

OpensslSigner::~OpensslSigner() {
  EVP_PKEY_CTX_free(static_cast<EVP_PKEY_CTX*>(context_));
  EVP_PKEY_free(as_key(key_));
}

Result<std::unique_ptr<OpensslSigner>> OpensslSigner::generate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return Error(ErrorCode::kInternal, "cannot generate a P-256 key");
  auto der = public_key_der(key);
  if (!der) {
    EVP_PKEY_free(key);
    return std::move(der).error();
  }
  return std::unique_ptr<OpensslSigner>(new OpensslSigner(key, std::move(der).value()));
}

Result<std::unique_ptr<OpensslSigner>> OpensslSigner::from_private_key(ByteView pem_or_der) {
  EVP_PKEY* key = nullptr;
  OSSL_DECODER_CTX* decoder = OSSL_DECODER_CTX_new_for_pkey(
      &key, nullptr, nullptr, "EC", OSSL_KEYMGMT_SELECT_PRIVATE_KEY, nullptr, nullptr);
  if (decoder == nullptr) return Error(ErrorCode::kInternal, "cannot set up a key decoder");
  const unsigned char* data = pem_or_der.data();
  std::size_t size = pem_or_der.size();
  int rc = OSSL_DECODER_from_data(decoder, &data, &size);
  OSSL_DECODER_CTX_free(decoder);
  if (rc != 1 || key == nullptr) {
    EVP_PKEY_free(key);
    return Error(ErrorCode::kMalformed, "not a readable EC private key (PEM or DER)");
  }
  if (!is_p256(key)) {
    EVP_PKEY_free(key);
    return Error(ErrorCode::kMalformed, "private key is not an EC P-256 key");
  }
  auto der = public_key_der(key);
  if (!der) {
    EVP_PKEY_free(key);
    return std::move(der).error();
  }
  return std::unique_ptr<OpensslSigner>(new OpensslSigner(key, std::move(der).value()));
}

Result<Signature> OpensslSigner::sign(const Digest& digest) {
  // A Signer is single-threaded by contract, so one context serves every call.
  if (context_ == nullptr) {
    EVP_PKEY_CTX* context = EVP_PKEY_CTX_new(as_key(key_), nullptr);
    if (context == nullptr || EVP_PKEY_sign_init(context) != 1) {
      EVP_PKEY_CTX_free(context);
      return Error(ErrorCode::kInternal, "cannot set up an ECDSA sign context");
    }
    context_ = context;
  }
  unsigned char der[80];
  std::size_t der_size = sizeof der;
  int rc = EVP_PKEY_sign(static_cast<EVP_PKEY_CTX*>(context_), der, &der_size, digest.data(),
                         digest.size());
  if (rc != 1) return Error(ErrorCode::kInternal, "ECDSA signing failed", rc);

  const unsigned char* cursor = der;
  ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_size));
  if (parsed == nullptr)
    return Error(ErrorCode::kInternal, "OpenSSL wrote an unreadable signature");
  Signature signature{};
  const BIGNUM* r = ECDSA_SIG_get0_r(parsed);
  const BIGNUM* s = ECDSA_SIG_get0_s(parsed);
  bool ok = BN_bn2binpad(r, signature.data(), 32) == 32 &&
            BN_bn2binpad(s, signature.data() + 32, 32) == 32;
  ECDSA_SIG_free(parsed);
  if (!ok) return Error(ErrorCode::kInternal, "signature values are wider than 32 bytes");
  return signature;
}

}  // namespace vs::platform
