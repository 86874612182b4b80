// Outside bytes: ResendRequest (gateway -> agent) and Status (agent -> broker).
#include <cstddef>
#include <cstdint>

#include "vs/platform/wire_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vs::ByteView input(data, size);
  auto request = vs::platform::WireCodec::decode_resend_request(input);
  if (request && request->from_height > request->to_height) __builtin_trap();
  (void)vs::platform::WireCodec::decode_status(input);
  return 0;
}
