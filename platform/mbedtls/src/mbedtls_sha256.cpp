#include "vs/platform/mbedtls_sha256.h"

#include <mbedtls/sha256.h>

namespace vs::platform {

Digest MbedtlsSha256::digest_parts(std::span<const ByteView> parts) const {
  mbedtls_sha256_context context;
  mbedtls_sha256_init(&context);
  Digest out{};
  // With valid pointers these calls cannot fail in 2.28 (no hardware engine).
  (void)mbedtls_sha256_starts_ret(&context, 0);
  for (ByteView part : parts) (void)mbedtls_sha256_update_ret(&context, part.data(), part.size());
  (void)mbedtls_sha256_finish_ret(&context, out.data());
  mbedtls_sha256_free(&context);
  return out;
}

}  // namespace vs::platform
