#pragma once

#include <initializer_list>
#include <span>

#include "vs/platform/bytes.h"

namespace vs::platform {

// SHA-256 over the concatenation of parts, so callers can hash
// (prefix || data) without copying. Implementations are stateless and
// thread-safe.
class Sha256 {
 public:
  virtual ~Sha256() = default;

  Digest digest(ByteView data) const { return digest_parts({&data, 1}); }
  Digest digest(std::initializer_list<ByteView> parts) const {
    return digest_parts({parts.begin(), parts.size()});
  }
  virtual Digest digest_parts(std::span<const ByteView> parts) const = 0;
};

}  // namespace vs::platform
