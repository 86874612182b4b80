#pragma once

#include <optional>
#include <string>

#include "vs/platform/bytes.h"
#include "vs/platform/ethereum_key.h"
#include "vs/platform/result.h"

namespace vs::platform {

struct EvmTransactionReceipt {
  Digest transaction_hash{};
  std::uint64_t block_number = 0;
  Digest block_hash{};
  bool succeeded = false;  // status 0x1
  std::uint64_t gas_used = 0;
};

struct EvmBlock {
  std::uint64_t number = 0;
  Digest hash{};
  std::uint64_t timestamp_s = 0;
};

// The Ethereum JSON-RPC calls the EVM ledger makes, typed. Quantities that
// do not fit 64 bits are errors (kUnsupported), not silently truncated. A
// node that cannot be reached is kUnavailable; a call the node refuses is
// kConflict with the node's message as the subject.
class EvmRpc {
 public:
  virtual ~EvmRpc() = default;
  virtual Result<std::uint64_t> chain_id() = 0;
  virtual Result<std::uint64_t> block_number() = 0;
  virtual Result<std::optional<EvmBlock>> block_by_number(std::uint64_t number) = 0;
  virtual Result<std::uint64_t> pending_nonce(const EvmAddress& account) = 0;
  virtual Result<std::uint64_t> base_fee() = 0;  // of the latest block
  virtual Result<std::uint64_t> max_priority_fee() = 0;
  virtual Result<std::uint64_t> estimate_gas(const EvmAddress& from, const EvmAddress& to,
                                             ByteView data) = 0;
  // The node signs with an account it holds (eth_sendTransaction).
  virtual Result<Digest> send_transaction(const EvmAddress& from, const EvmAddress& to,
                                          ByteView data) = 0;
  virtual Result<Digest> send_raw_transaction(ByteView signed_transaction) = 0;
  virtual Result<std::optional<EvmTransactionReceipt>> transaction_receipt(const Digest& hash) = 0;
  // The transaction's data (input), to check an anchor independently.
  virtual Result<std::optional<Bytes>> transaction_input(const Digest& hash) = 0;
};

// "0x" and 40 hex digits (any case).
Result<EvmAddress> parse_evm_address(std::string_view text);
std::string to_string(const EvmAddress& address);

}  // namespace vs::platform
