#pragma once

#include <chrono>
#include <functional>

#include "vs/gateway/ledger.h"
#include "vs/platform/ethereum_key.h"
#include "vs/platform/evm_rpc.h"
#include "vs/platform/keccak256.h"

namespace vs::gateway {

struct EvmLedgerOptions {
  // kNode: the node signs for `from` (eth_sendTransaction: anvil, or a node
  // behind a signer). kRaw: the gateway signs EIP-1559 with its own key.
  enum class Mode { kNode, kRaw };
  Mode mode = Mode::kNode;
  platform::EvmAddress from{};      // kNode: the node's account; kRaw: the key's address
  platform::EvmAddress to{};        // the anchor transaction's recipient (zero: `from` itself)
  std::uint64_t chain_id = 0;       // checked against the node at open
  std::uint32_t confirmations = 1;  // for final receipts (1: included in a block)
  std::chrono::milliseconds poll_interval{200};
  std::chrono::milliseconds timeout{120'000};  // for inclusion plus confirmations
};

// Anchors a batch root on an Ethereum-compatible chain: the transaction's
// data is the root (32 bytes) and the batch id (8, big-endian), nothing
// else. anchor() returns once the transaction is in a block (receipts say
// anchored); check_finality() follows it until it has the configured
// confirmations (receipts say final) or finds that a reorg dropped it (the
// batch is anchored again). A timeout or refusal leaves the batch queued:
// the gateway tries again later, never losing a root. Gateway-signed
// transactions are prepared (signed) first and kept by the anchorer, so a
// retry sends the same transaction; a node-signed retry is a new one.
class EvmLedger final : public Ledger {
 public:
  // Checks the node's chain id against options.chain_id (0: take the node's).
  static Result<std::unique_ptr<EvmLedger>> open(platform::EvmRpc& rpc,
                                                 const platform::Keccak256& keccak,
                                                 const platform::EthereumKey* key,
                                                 EvmLedgerOptions options);

  Result<proto::LedgerRef> anchor(const Digest& batch_root, std::uint64_t batch_id,
                                  std::uint64_t time_ms, GatewayTransaction& same_commit) override;
  // Gateway-signed (raw mode): the signed transaction, to be kept before it
  // is sent; node-signed: nothing (the node signs: sending again after a
  // crash makes a second transaction).
  Result<Bytes> prepare(const Digest& batch_root, std::uint64_t batch_id) override;
  Result<proto::LedgerRef> anchor_prepared(ByteView signed_transaction) override;
  std::uint64_t last_cost() const override { return last_gas_used_; }
  bool tracks_finality() const override { return true; }
  Result<FinalityCheck> check_finality(const proto::LedgerRef& ref, const Digest& batch_root,
                                       std::uint64_t batch_id) override;

  // What an anchor transaction carries.
  static Bytes anchor_data(const Digest& batch_root, std::uint64_t batch_id);

  // Checks an anchor on the chain independently: the transaction exists,
  // succeeded, sits in the referenced block, carries the root and batch id,
  // and has at least `confirmations`. For `vitalsign verify --ledger`.
  static Status check(platform::EvmRpc& rpc, const proto::LedgerRef& ref, const Digest& batch_root,
                      std::uint64_t batch_id, std::uint32_t confirmations);

 private:
  EvmLedger(platform::EvmRpc& rpc, const platform::Keccak256& keccak,
            const platform::EthereumKey* key, EvmLedgerOptions options)
      : rpc_(rpc), keccak_(keccak), key_(key), options_(options) {}

  Result<std::optional<proto::LedgerRef>> locate(const Digest& tx_hash);
  // Waits until the transaction is in a block, or options_.timeout.
  Result<proto::LedgerRef> wait_for(const Digest& tx_hash);

  platform::EvmRpc& rpc_;
  const platform::Keccak256& keccak_;
  const platform::EthereumKey* key_;
  EvmLedgerOptions options_;
  std::uint64_t last_gas_used_ = 0;
};

}  // namespace vs::gateway
