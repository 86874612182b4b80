#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "vs/platform/evm_rpc.h"

namespace vs::platform {

// Ethereum JSON-RPC over HTTP(S) with libcurl (one reused handle: keep-alive;
// not thread-safe, one owner) and nlohmann-json. Replies are bounded (1 MiB)
// and every field read is checked: a node's bad answer is an error value.
class CurlEvmRpc final : public EvmRpc {
 public:
  static Result<std::unique_ptr<CurlEvmRpc>> open(std::string url,
                                                  std::chrono::milliseconds timeout);
  ~CurlEvmRpc() override;

  Result<std::uint64_t> chain_id() override;
  Result<std::uint64_t> block_number() override;
  Result<std::optional<EvmBlock>> block_by_number(std::uint64_t number) override;
  Result<std::uint64_t> pending_nonce(const EvmAddress& account) override;
  Result<std::uint64_t> base_fee() override;
  Result<std::uint64_t> max_priority_fee() override;
  Result<std::uint64_t> estimate_gas(const EvmAddress& from, const EvmAddress& to,
                                     ByteView data) override;
  Result<Digest> send_transaction(const EvmAddress& from, const EvmAddress& to,
                                  ByteView data) override;
  Result<Digest> send_raw_transaction(ByteView signed_transaction) override;
  Result<std::optional<EvmTransactionReceipt>> transaction_receipt(const Digest& hash) override;
  Result<std::optional<Bytes>> transaction_input(const Digest& hash) override;

 private:
  struct Impl;
  explicit CurlEvmRpc(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs::platform
