#include "vs/platform/openssl_random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "vs/platform/assertion.h"

namespace vs::platform {

void OpensslRandom::fill(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    int chunk = static_cast<int>(std::min<std::size_t>(out.size(), INT_MAX));
    // A DRBG that cannot be seeded is a broken platform, not input.
    int rc = RAND_bytes(out.data(), chunk);
    VS_ASSERT(rc == 1);
    out = out.subspan(static_cast<std::size_t>(chunk));
  }
}

}  // namespace vs::platform
