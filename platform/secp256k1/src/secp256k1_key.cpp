#include "vs/platform/secp256k1_key.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace vs::platform {

struct Secp256k1Key::Context {
  secp256k1_context* context = nullptr;
  ~Context() {
    if (context != nullptr) secp256k1_context_destroy(context);
  }
};

Secp256k1Key::~Secp256k1Key() {
  std::memset(secret_.data(), 0, secret_.size());  // best effort
}

Result<std::unique_ptr<Secp256k1Key>> Secp256k1Key::from_private_key(ByteView secret,
                                                                     const Keccak256& keccak) {
  if (secret.size() != 32)
    return Error(ErrorCode::kMalformed, "a secp256k1 private key is 32 bytes");
  std::unique_ptr<Secp256k1Key> key(new Secp256k1Key());
  key->context_ = std::make_unique<Context>();
  key->context_->context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  if (key->context_->context == nullptr)
    return Error(ErrorCode::kInternal, "cannot create a secp256k1 context");
  std::memcpy(key->secret_.data(), secret.data(), 32);
  if (secp256k1_ec_seckey_verify(key->context_->context, key->secret_.data()) != 1)
    return Error(ErrorCode::kMalformed, "not a valid secp256k1 private key");
  secp256k1_pubkey point;
  if (secp256k1_ec_pubkey_create(key->context_->context, &point, key->secret_.data()) != 1)
    return Error(ErrorCode::kInternal, "cannot derive the secp256k1 public key");
  std::uint8_t uncompressed[65];
  std::size_t length = sizeof uncompressed;
  secp256k1_ec_pubkey_serialize(key->context_->context, uncompressed, &length, &point,
                                SECP256K1_EC_UNCOMPRESSED);
  Digest hash = keccak.digest(ByteView(uncompressed + 1, 64));
  std::memcpy(key->address_.data(), hash.data() + 12, 20);
  return key;
}

Result<std::unique_ptr<Secp256k1Key>> Secp256k1Key::load(const std::filesystem::path& path,
                                                         const Keccak256& keccak) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return Error(ErrorCode::kNotFound, "no such key file").about(path.string());
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Error(ErrorCode::kPermission,
                 "the key file is readable by group or others (chmod 600 it)")
        .about(path.string());
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string hex = text.str();
  while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
  if (hex.rfind("0x", 0) == 0) hex.erase(0, 2);
  auto secret = from_hex(hex);
  if (!secret) return std::move(secret).error().about(path.string());
  auto key = from_private_key(*secret, keccak);
  std::memset(secret->data(), 0, secret->size());
  if (!key) return std::move(key).error().about(path.string());
  return key;
}

Result<RecoverableSignature> Secp256k1Key::sign(const Digest& hash) const {
  secp256k1_ecdsa_recoverable_signature signature;
  // The default nonce function is RFC 6979; the result is always low-S.
  if (secp256k1_ecdsa_sign_recoverable(context_->context, &signature, hash.data(), secret_.data(),
                                       nullptr, nullptr) != 1) {
    return Error(ErrorCode::kInternal, "secp256k1 signing failed");
  }
  std::uint8_t compact[64];
  int recovery_id = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context_->context, compact, &recovery_id,
                                                          &signature);
  RecoverableSignature out;
  std::memcpy(out.r.data(), compact, 32);
  std::memcpy(out.s.data(), compact + 32, 32);
  out.recovery_id = static_cast<std::uint8_t>(recovery_id);
  return out;
}

}  // namespace vs::platform
