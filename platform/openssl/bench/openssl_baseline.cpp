#include "openssl_baseline.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

namespace vs::platform::bench {

struct OpensslBaseline::Impl {
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* sign_context = nullptr;
  EVP_PKEY_CTX* verify_context = nullptr;
  EVP_MD_CTX* digest_context = EVP_MD_CTX_new();
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
};

OpensslBaseline::OpensslBaseline(const std::string& private_key_pem)
    : impl_(std::make_unique<Impl>()) {
  BIO* bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
  impl_->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  impl_->sign_context = EVP_PKEY_CTX_new(impl_->key, nullptr);
  EVP_PKEY_sign_init(impl_->sign_context);
  impl_->verify_context = EVP_PKEY_CTX_new(impl_->key, nullptr);
  EVP_PKEY_verify_init(impl_->verify_context);
}

OpensslBaseline::~OpensslBaseline() {
  EVP_PKEY_CTX_free(impl_->sign_context);
  EVP_PKEY_CTX_free(impl_->verify_context);
  EVP_PKEY_free(impl_->key);
  EVP_MD_CTX_free(impl_->digest_context);
  EVP_MD_free(impl_->sha256);
}

void OpensslBaseline::sha256(ByteView a, ByteView b, ByteView c, std::uint8_t out[32]) {
  unsigned int length = 0;
  EVP_DigestInit_ex2(impl_->digest_context, impl_->sha256, nullptr);
  EVP_DigestUpdate(impl_->digest_context, a.data(), a.size());
  EVP_DigestUpdate(impl_->digest_context, b.data(), b.size());
  EVP_DigestUpdate(impl_->digest_context, c.data(), c.size());
  EVP_DigestFinal_ex(impl_->digest_context, out, &length);
}

std::size_t OpensslBaseline::sign(const Digest& digest, std::uint8_t der[80]) {
  std::size_t size = 80;
  EVP_PKEY_sign(impl_->sign_context, der, &size, digest.data(), digest.size());
  return size;
}

bool OpensslBaseline::verify(const Digest& digest, const std::uint8_t* der, std::size_t der_size) {
  return EVP_PKEY_verify(impl_->verify_context, der, der_size, digest.data(), digest.size()) == 1;
}

}  // namespace vs::platform::bench
