#include "vs/platform/evm_reply.h"

#include <nlohmann/json.hpp>

namespace vs::platform {
namespace {

using nlohmann::json;

const json& member(const json& object, const char* name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto found = object.find(name);
  return found == object.end() ? kNull : *found;
}

// The reply's "result", after the envelope and any error object.
Result<json> result_of(std::string_view reply, const char* method) {
  json parsed = json::parse(reply, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return Error(ErrorCode::kMalformed, "the node's reply is not a JSON object").about(method);
  const json& error = member(parsed, "error");
  if (!error.is_null()) {
    const json& message = member(error, "message");
    return Error(ErrorCode::kConflict, "the node refused the call")
        .about(std::string(method) + ": " +
               (message.is_string() ? message.get_ref<const std::string&>() : error.dump()));
  }
  auto found = parsed.find("result");
  if (found == parsed.end())
    return Error(ErrorCode::kMalformed, "the node's reply has no result").about(method);
  return std::move(*found);
}

Result<std::uint64_t> read_quantity(const json& value, const char* field) {
  if (!value.is_string())
    return Error(ErrorCode::kMalformed, "the node's reply lacks a quantity").about(field);
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() < 3 || text.rfind("0x", 0) != 0 ||
      text.find_first_not_of("0123456789abcdefABCDEF", 2) != std::string::npos) {
    return Error(ErrorCode::kMalformed, "the node's quantity is not 0x-hex")
        .about(std::string(field) + " = " + text.substr(0, 80));
  }
  std::size_t first = text.find_first_not_of('0', 2);
  std::string digits = first == std::string::npos ? "0" : text.substr(first);
  if (digits.size() > 16)
    return Error(ErrorCode::kUnsupported, "quantity does not fit 64 bits")
        .about(std::string(field) + " = " + text.substr(0, 80));
  return std::stoull(digits, nullptr, 16);
}

Result<Bytes> read_data(const json& value, const char* field) {
  if (!value.is_string() || value.get_ref<const std::string&>().rfind("0x", 0) != 0)
    return Error(ErrorCode::kMalformed, "the node's reply lacks 0x-hex data").about(field);
  auto bytes = from_hex(std::string_view(value.get_ref<const std::string&>()).substr(2));
  if (!bytes) return std::move(bytes).error().about(field);
  return bytes;
}

Result<Digest> read_hash(const json& value, const char* field) {
  VS_TRY_ASSIGN(Bytes bytes, read_data(value, field));
  return to_array<32>(bytes, "the node's hash is not 32 bytes");
}

}  // namespace

Result<std::uint64_t> EvmReply::quantity(std::string_view reply, const char* method) {
  VS_TRY_ASSIGN(json result, result_of(reply, method));
  return read_quantity(result, method);
}

Result<std::uint64_t> EvmReply::quantity_field(std::string_view reply, const char* method,
                                               const char* field) {
  VS_TRY_ASSIGN(json result, result_of(reply, method));
  return read_quantity(member(result, field), field);
}

Result<Digest> EvmReply::hash(std::string_view reply, const char* method) {
  VS_TRY_ASSIGN(json result, result_of(reply, method));
  return read_hash(result, method);
}

Result<std::optional<EvmBlock>> EvmReply::block(std::string_view reply) {
  VS_TRY_ASSIGN(json result, result_of(reply, "eth_getBlockByNumber"));
  if (result.is_null()) return std::optional<EvmBlock>();
  EvmBlock block;
  VS_TRY_ASSIGN(block.number, read_quantity(member(result, "number"), "block number"));
  VS_TRY_ASSIGN(block.hash, read_hash(member(result, "hash"), "block hash"));
  VS_TRY_ASSIGN(block.timestamp_s, read_quantity(member(result, "timestamp"), "block timestamp"));
  return std::optional<EvmBlock>(block);
}

Result<std::optional<EvmTransactionReceipt>> EvmReply::transaction_receipt(std::string_view reply) {
  VS_TRY_ASSIGN(json result, result_of(reply, "eth_getTransactionReceipt"));
  if (result.is_null()) return std::optional<EvmTransactionReceipt>();
  EvmTransactionReceipt receipt;
  VS_TRY_ASSIGN(receipt.transaction_hash,
                read_hash(member(result, "transactionHash"), "transactionHash"));
  VS_TRY_ASSIGN(receipt.block_number, read_quantity(member(result, "blockNumber"), "blockNumber"));
  VS_TRY_ASSIGN(receipt.block_hash, read_hash(member(result, "blockHash"), "blockHash"));
  VS_TRY_ASSIGN(std::uint64_t status, read_quantity(member(result, "status"), "status"));
  receipt.succeeded = status == 1;
  VS_TRY_ASSIGN(receipt.gas_used, read_quantity(member(result, "gasUsed"), "gasUsed"));
  return std::optional<EvmTransactionReceipt>(receipt);
}

Result<std::optional<Bytes>> EvmReply::transaction_input(std::string_view reply) {
  VS_TRY_ASSIGN(json result, result_of(reply, "eth_getTransactionByHash"));
  if (result.is_null()) return std::optional<Bytes>();
  VS_TRY_ASSIGN(Bytes input, read_data(member(result, "input"), "transaction input"));
  return std::optional<Bytes>(std::move(input));
}

}  // namespace vs::platform
