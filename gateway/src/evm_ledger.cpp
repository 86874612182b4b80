#include "vs/gateway/evm_ledger.h"

#include <thread>

#include "vs/gateway/eip1559_transaction.h"

namespace vs::gateway {

Result<std::unique_ptr<EvmLedger>> EvmLedger::open(platform::EvmRpc& rpc,
                                                   const platform::Keccak256& keccak,
                                                   const platform::EthereumKey* key,
                                                   EvmLedgerOptions options) {
  if (options.mode == EvmLedgerOptions::Mode::kRaw) {
    if (key == nullptr) return Error(ErrorCode::kInvalidArgument, "raw mode needs a signing key");
    options.from = key->address();
  }
  if (options.to == platform::EvmAddress{}) options.to = options.from;  // to itself
  if (options.confirmations == 0)
    return Error(ErrorCode::kInvalidArgument, "confirmations must be at least 1");
  VS_TRY_ASSIGN(std::uint64_t node_chain, rpc.chain_id());
  if (options.chain_id != 0 && options.chain_id != node_chain) {
    return Error(ErrorCode::kConflict, "the node serves another chain than configured")
        .about("configured " + std::to_string(options.chain_id) + ", node " +
               std::to_string(node_chain));
  }
  options.chain_id = node_chain;
  return std::unique_ptr<EvmLedger>(new EvmLedger(rpc, keccak, key, options));
}

Bytes EvmLedger::anchor_data(const Digest& batch_root, std::uint64_t batch_id) {
  Bytes data(batch_root.begin(), batch_root.end());
  data.resize(40);
  put_u64_be(batch_id, data.data() + 32);
  return data;
}

Result<Bytes> EvmLedger::prepare(const Digest& batch_root, std::uint64_t batch_id) {
  if (options_.mode == EvmLedgerOptions::Mode::kNode) return Bytes{};
  Bytes data = anchor_data(batch_root, batch_id);
  Eip1559Transaction tx;
  tx.chain_id = options_.chain_id;
  VS_TRY_ASSIGN(tx.nonce, rpc_.pending_nonce(options_.from));
  VS_TRY_ASSIGN(std::uint64_t base_fee, rpc_.base_fee());
  VS_TRY_ASSIGN(tx.max_priority_fee_per_gas, rpc_.max_priority_fee());
  tx.max_fee_per_gas = 2 * base_fee + tx.max_priority_fee_per_gas;
  VS_TRY_ASSIGN(std::uint64_t gas, rpc_.estimate_gas(options_.from, options_.to, data));
  tx.gas_limit = gas + gas / 5;  // headroom: the estimate is for the current state
  tx.to = options_.to;
  tx.data = std::move(data);
  VS_TRY_ASSIGN(platform::RecoverableSignature signature,
                key_->sign(keccak_.digest(tx.signing_payload())));
  return tx.encode_signed(signature);
}

Result<proto::LedgerRef> EvmLedger::anchor_prepared(ByteView signed_transaction) {
  Digest tx_hash = keccak_.digest(signed_transaction);
  // Sent before a crash, it may be in a block already; the node refuses it
  // again then ("nonce too low", "already known"), which is no failure.
  VS_TRY_ASSIGN(auto mined, locate(tx_hash));
  if (mined) return *mined;
  auto sent = rpc_.send_raw_transaction(signed_transaction);
  if (!sent) {
    VS_TRY_ASSIGN(auto known, rpc_.transaction_input(tx_hash));
    if (!known) return std::move(sent).error();
  }
  return wait_for(tx_hash);
}

// The reference for a transaction as the chain holds it now, or nothing
// while it is not (or no longer consistently) in a block.
Result<std::optional<proto::LedgerRef>> EvmLedger::locate(const Digest& tx_hash) {
  VS_TRY_ASSIGN(auto receipt, rpc_.transaction_receipt(tx_hash));
  if (!receipt) return std::optional<proto::LedgerRef>();
  if (!receipt->succeeded) {
    return Error(ErrorCode::kConflict, "the anchor transaction failed on chain")
        .about("transaction 0x" + to_hex(tx_hash));
  }
  VS_TRY_ASSIGN(std::uint64_t head, rpc_.block_number());
  VS_TRY_ASSIGN(auto block, rpc_.block_by_number(receipt->block_number));
  // The block at that height must still be the receipt's: otherwise a
  // reorg is moving the transaction and its new place is not known yet.
  if (!block || block->hash != receipt->block_hash) return std::optional<proto::LedgerRef>();
  last_gas_used_ = receipt->gas_used;
  proto::LedgerRef ref;
  ref.kind = proto::LedgerKind::kEvm;
  ref.chain_id = "eip155:" + std::to_string(options_.chain_id);
  ref.transaction_id.assign(tx_hash.begin(), tx_hash.end());
  ref.ledger_height = receipt->block_number;
  ref.ledger_block_hash.assign(block->hash.begin(), block->hash.end());
  ref.ledger_time_ms = block->timestamp_s * 1000;
  ref.confirmations = static_cast<std::uint32_t>(
      head >= receipt->block_number ? head - receipt->block_number + 1 : 0);
  return std::optional<proto::LedgerRef>(ref);
}

Result<proto::LedgerRef> EvmLedger::anchor(const Digest& batch_root, std::uint64_t batch_id,
                                           std::uint64_t, GatewayTransaction&) {
  if (options_.mode == EvmLedgerOptions::Mode::kRaw) {
    VS_TRY_ASSIGN(Bytes signed_transaction, prepare(batch_root, batch_id));
    return anchor_prepared(signed_transaction);
  }
  VS_TRY_ASSIGN(Digest tx_hash, rpc_.send_transaction(options_.from, options_.to,
                                                      anchor_data(batch_root, batch_id)));
  return wait_for(tx_hash);
}

Result<proto::LedgerRef> EvmLedger::wait_for(const Digest& tx_hash) {
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    VS_TRY_ASSIGN(auto ref, locate(tx_hash));
    if (ref) return *ref;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error(ErrorCode::kTimeout, "the anchor transaction was not included in time")
          .about("transaction 0x" + to_hex(tx_hash));
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
}

Result<Ledger::FinalityCheck> EvmLedger::check_finality(const proto::LedgerRef& ref, const Digest&,
                                                        std::uint64_t) {
  VS_TRY_ASSIGN(Digest tx_hash, to_array<32>(ref.transaction_id, "transaction id is not 32 bytes"));
  VS_TRY_ASSIGN(auto now, locate(tx_hash));
  if (!now) {
    // Not in a block: still known to the node (back in its pool after a
    // reorg: it will be mined again) or gone for good.
    VS_TRY_ASSIGN(auto input, rpc_.transaction_input(tx_hash));
    return FinalityCheck{input ? Finality::kPending : Finality::kLost, ref};
  }
  bool deep = now->confirmations >= options_.confirmations;
  return FinalityCheck{deep ? Finality::kFinal : Finality::kPending, *now};
}

Status EvmLedger::check(platform::EvmRpc& rpc, const proto::LedgerRef& ref,
                        const Digest& batch_root, std::uint64_t batch_id,
                        std::uint32_t confirmations) {
  VS_TRY_ASSIGN(Digest tx_hash, to_array<32>(ref.transaction_id, "transaction id is not 32 bytes"));
  std::string tx_text = "transaction 0x" + to_hex(tx_hash);
  VS_TRY_ASSIGN(auto input, rpc.transaction_input(tx_hash));
  if (!input)
    return Error(ErrorCode::kNotFound, "the chain has no such transaction").about(tx_text);
  if (*input != anchor_data(batch_root, batch_id))
    return Error(ErrorCode::kIntegrity, "the transaction does not carry this batch root")
        .about(tx_text);
  VS_TRY_ASSIGN(auto receipt, rpc.transaction_receipt(tx_hash));
  if (!receipt || !receipt->succeeded)
    return Error(ErrorCode::kIntegrity, "the transaction did not succeed on chain").about(tx_text);
  if (receipt->block_number != ref.ledger_height ||
      !equal(ref.ledger_block_hash, receipt->block_hash))
    return Error(ErrorCode::kIntegrity,
                 "the transaction sits in another block than the receipt says")
        .about(tx_text);
  VS_TRY_ASSIGN(std::uint64_t head, rpc.block_number());
  std::uint64_t have = head >= receipt->block_number ? head - receipt->block_number + 1 : 0;
  if (have < confirmations) {
    return Error(ErrorCode::kUnavailable, "the transaction has fewer confirmations than required")
        .about(tx_text + ": " + std::to_string(have) + " of " + std::to_string(confirmations));
  }
  return {};
}

}  // namespace vs::gateway
