#include "vs/platform/openssl_ed25519.h"

#include <openssl/evp.h>

namespace vs::platform {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Context = std::unique_ptr<EVP_MD_CTX, ContextFree>;

class OpensslEd25519Signer final : public Ed25519Signer {
 public:
  OpensslEd25519Signer(Key key, Bytes public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}

  Result<Bytes> sign(ByteView message) const override {
    Context context(EVP_MD_CTX_new());
    Bytes signature(64);
    std::size_t length = signature.size();
    if (!context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
        EVP_DigestSign(context.get(), signature.data(), &length, message.data(), message.size()) !=
            1 ||
        length != 64)
      return Error(ErrorCode::kIo, "Ed25519 signing failed");
    return signature;
  }
  ByteView public_key() const override { return public_key_; }

 private:
  Key key_;
  Bytes public_key_;
};

}  // namespace

bool OpensslEd25519::verify(ByteView public_key, ByteView message, ByteView signature) const {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  Key key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), 32));
  Context context(EVP_MD_CTX_new());
  return key && context &&
         EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(context.get(), signature.data(), 64, message.data(), message.size()) == 1;
}

Result<std::unique_ptr<Ed25519Signer>> OpensslEd25519::signer(ByteView seed) const {
  if (seed.size() != 32)
    return Error(ErrorCode::kInvalidArgument, "an Ed25519 private key is a 32-byte seed");
  Key key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32));
  Bytes public_key(32);
  std::size_t length = public_key.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &length) != 1 ||
      length != 32)
    return Error(ErrorCode::kIo, "cannot make an Ed25519 key from the seed");
  return std::unique_ptr<Ed25519Signer>(
      new OpensslEd25519Signer(std::move(key), std::move(public_key)));
}

}  // namespace vs::platform
