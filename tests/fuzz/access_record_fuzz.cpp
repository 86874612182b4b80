// Bytes another process wrote into the gateway's access table (an exporting
// tool, or a damaged store). Promise: decoding never crashes, and a record
// it accepts encodes back to the very bytes it came from (they are hashed
// and anchored: a second spelling of one record must not exist).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vs/gateway/access_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto record = vs::gateway::AccessRecord::decode(text);
  if (record && record->encode() != text) __builtin_trap();
  return 0;
}
