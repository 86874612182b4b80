// One CTR_DRBG per process, seeded once before first use; with
// MBEDTLS_THREADING_C its random() locks internally.
#pragma once

namespace vs::platform::detail {

int mbedtls_random(void* unused, unsigned char* out, size_t size);

}  // namespace vs::platform::detail
