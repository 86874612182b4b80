#include "vs/platform/evm_rpc.h"

namespace vs::platform {

Result<EvmAddress> parse_evm_address(std::string_view text) {
  if (text.size() != 42 || text.substr(0, 2) != "0x")
    return Error(ErrorCode::kMalformed, "not an address (0x and 40 hex digits)")
        .about(std::string(text));
  auto bytes = from_hex(text.substr(2));
  if (!bytes) return std::move(bytes).error().about(std::string(text));
  return to_array<20>(*bytes, "an address is 20 bytes");
}

std::string to_string(const EvmAddress& address) {
  return "0x" + to_hex(address);
}

}  // namespace vs::platform
