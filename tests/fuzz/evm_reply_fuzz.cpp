// Outside bytes: a JSON-RPC node's replies (the node may be remote, or
// lying). Promise: every reader gives a value or an error; no crash, no throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vs/platform/evm_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view reply(reinterpret_cast<const char*>(data), size);
  using vs::platform::EvmReply;
  (void)EvmReply::quantity(reply, "fuzz");
  (void)EvmReply::quantity_field(reply, "fuzz", "baseFeePerGas");
  (void)EvmReply::hash(reply, "fuzz");
  (void)EvmReply::block(reply);
  (void)EvmReply::transaction_receipt(reply);
  (void)EvmReply::transaction_input(reply);
  return 0;
}
