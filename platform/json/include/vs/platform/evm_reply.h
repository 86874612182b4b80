#pragma once

#include <optional>
#include <string_view>

#include "vs/platform/evm_rpc.h"

namespace vs::platform {

// Reads one JSON-RPC 2.0 reply from an Ethereum node: outside bytes, so
// every field is checked and anything unexpected is an error value (the
// fuzz target evm_reply_fuzz holds it to that). The node's own error
// object becomes kConflict with its message as the subject.
class EvmReply {
 public:
  static Result<std::uint64_t> quantity(std::string_view reply, const char* method);
  // A quantity field of the result object (baseFeePerGas of a block).
  static Result<std::uint64_t> quantity_field(std::string_view reply, const char* method,
                                              const char* field);
  static Result<Digest> hash(std::string_view reply, const char* method);
  static Result<std::optional<EvmBlock>> block(std::string_view reply);
  static Result<std::optional<EvmTransactionReceipt>> transaction_receipt(std::string_view reply);
  static Result<std::optional<Bytes>> transaction_input(std::string_view reply);
};

}  // namespace vs::platform
