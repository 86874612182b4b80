#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "mbedtls_drbg.h"
#include "vs/platform/assertion.h"

namespace vs::platform::detail {
namespace {

struct Drbg {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  Drbg() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    static const unsigned char kPersonalisation[] = "vitalsign";
    int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, kPersonalisation,
                                   sizeof kPersonalisation - 1);
    // Without entropy no key can be made safely: that is a broken platform, not input.
    VS_ASSERT(rc == 0);
  }
};

Drbg& instance() {
  static Drbg drbg;  // thread-safe initialisation
  return drbg;
}

}  // namespace

int mbedtls_random(void*, unsigned char* out, size_t size) {
  return mbedtls_ctr_drbg_random(&instance().drbg, out, size);
}

}  // namespace vs::platform::detail

#include "vs/platform/mbedtls_random.h"

namespace vs::platform {

void MbedtlsRandom::fill(std::span<std::uint8_t> out) {
  // CTR_DRBG serves at most 1024 bytes a call.
  while (!out.empty()) {
    std::size_t chunk = std::min<std::size_t>(out.size(), 1024);
    int rc = detail::mbedtls_random(nullptr, out.data(), chunk);
    VS_ASSERT(rc == 0);  // a seeded DRBG does not fail on valid sizes
    out = out.subspan(chunk);
  }
}

}  // namespace vs::platform
