#include "vs/platform/verifier.h"

namespace vs::platform {

Status Verifier::verify(const Digest& digest, ByteView signature) const {
  VS_TRY_ASSIGN(Signature fixed, to_array<64>(signature, "signature is not 64 bytes (r || s)"));
  return verify(digest, fixed);
}

}  // namespace vs::platform
