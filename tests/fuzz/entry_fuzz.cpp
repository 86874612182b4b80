// Outside bytes: one Entry inside a block. Promise: decoding is bounded and
// what decodes is canonical, so encoding it again gives the same bytes.
#include <cstddef>
#include <cstdint>

#include "vs/platform/wire_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vs::ByteView input(data, size);
  auto entry = vs::platform::WireCodec::decode_entry(input);
  if (!entry) return 0;
  auto again = vs::platform::WireCodec::encode(*entry);
  if (!again || !vs::equal(*again, input)) __builtin_trap();
  return 0;
}
