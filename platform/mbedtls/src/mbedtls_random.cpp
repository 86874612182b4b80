#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <cstdlib>
#include <mutex>

#include "mbedtls_random.h"
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
