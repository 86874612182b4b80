#include "vs/platform/openssl_sha256.h"

#include <openssl/evp.h>

#include "vs/platform/assertion.h"

namespace vs::platform {
namespace {

// One context per thread, reused: allocating one per call costs more than
// hashing a small entry.
struct ThreadContext {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~ThreadContext() { EVP_MD_CTX_free(context); }
};

const EVP_MD* sha256_method() {
  static EVP_MD* method = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return method;
}

}  // namespace

Digest OpensslSha256::digest_parts(std::span<const ByteView> parts) const {
  thread_local ThreadContext thread;
  const EVP_MD* method = sha256_method();
  // Either failing means libcrypto is unusable (no default provider): a broken install.
  VS_ASSERT(method != nullptr && thread.context != nullptr);
  Digest out{};
  unsigned int length = 0;
  bool ok = EVP_DigestInit_ex2(thread.context, method, nullptr) == 1;
  for (ByteView part : parts) {
    ok = ok && EVP_DigestUpdate(thread.context, part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(thread.context, out.data(), &length) == 1;
  VS_ASSERT(ok && length == out.size());
  return out;
}

}  // namespace vs::platform
