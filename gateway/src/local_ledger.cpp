#include "vs/gateway/local_ledger.h"

#include <algorithm>
#include <cstring>

#include "vs/chain/log_checkpoint.h"
#include "vs/chain/merkle.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

constexpr std::size_t kLeavesPerRead = 1024;

}  // namespace

LocalLedger::LocalLedger(const GatewayStateReader& state, const platform::Sha256& sha,
                         chain::NoteSignerKey log_key)
    : state_(state), sha_(sha), log_key_(std::move(log_key)) {}

Result<std::uint64_t> LocalLedger::size() const {
  return state_.ledger_size();
}

Result<Bytes> LocalLedger::entry(std::uint64_t index) const {
  VS_TRY_ASSIGN(auto stored, state_.ledger_entry(index));
  if (!stored)
    return Error(ErrorCode::kNotFound, "no such ledger entry")
        .about("index " + std::to_string(index));
  return *stored;
}

Result<proto::LedgerRef> LocalLedger::anchor(const Digest& batch_root, std::uint64_t batch_id,
                                             std::uint64_t time_ms,
                                             GatewayTransaction& same_commit) {
  VS_TRY_ASSIGN(std::uint64_t index, same_commit.ledger_size());
  Digest previous{};
  if (index > 0) {
    VS_TRY_ASSIGN(auto last, same_commit.ledger_entry(index - 1));
    if (!last)
      return Error(ErrorCode::kNotFound, "no such ledger entry")
          .about("index " + std::to_string(index - 1));
    previous = sha_.digest(*last);
  }
  chain::LogEntry log_entry;
  log_entry.index = index;
  log_entry.batch_id = batch_id;
  log_entry.time_ms = time_ms;
  log_entry.batch_root = batch_root;
  log_entry.previous = previous;
  Bytes record = log_entry.encode();
  same_commit.put_ledger_entry(index, record);
  Digest entry_hash = sha_.digest(record);
  proto::LedgerRef ref;
  ref.kind = proto::LedgerKind::kLocal;
  ref.chain_id = log_key_.name;
  ref.transaction_id.assign(entry_hash.begin(), entry_hash.end());
  ref.ledger_height = index;
  ref.ledger_time_ms = time_ms;
  return ref;
}

Result<std::vector<Digest>> LocalLedger::leaves(const GatewayStateReader& state,
                                                const platform::Sha256& sha, std::uint64_t count) {
  chain::Merkle merkle(sha);
  std::vector<Digest> out;
  // Grows as entries are read: a count from storage sets no allocation.
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, kLeavesPerRead)));
  while (out.size() < count) {
    VS_TRY_ASSIGN(auto entries, state.ledger_entries(out.size(), kLeavesPerRead));
    if (entries.empty()) return Error(ErrorCode::kNotFound, "the ledger is shorter than asked");
    for (const Bytes& entry : entries) {
      if (out.size() == count) break;
      out.push_back(merkle.leaf_hash(entry));
    }
  }
  return out;
}

Result<Digest> LocalLedger::root(std::uint64_t count) const {
  return root(state_, sha_, count);
}

Result<Digest> LocalLedger::root(const GatewayStateReader& state, const platform::Sha256& sha,
                                 std::uint64_t count) {
  VS_TRY_ASSIGN(auto hashes, leaves(state, sha, count));
  return chain::Merkle(sha).root(hashes);
}

Result<std::vector<Digest>> LocalLedger::inclusion_proof(const GatewayStateReader& state,
                                                         const platform::Sha256& sha,
                                                         std::uint64_t index, std::uint64_t count) {
  VS_TRY_ASSIGN(auto hashes, leaves(state, sha, count));
  return chain::Merkle(sha).inclusion_proof(hashes, index);
}

Result<std::vector<Digest>> LocalLedger::consistency_proof(const GatewayStateReader& state,
                                                           const platform::Sha256& sha,
                                                           std::uint64_t old_size,
                                                           std::uint64_t new_size) {
  VS_TRY_ASSIGN(auto hashes, leaves(state, sha, new_size));
  return chain::Merkle(sha).consistency_proof(hashes, old_size);
}

Result<std::string> LocalLedger::checkpoint() {
  chain::LogCheckpoint now;
  now.origin = log_key_.name;
  VS_TRY_ASSIGN(now.size, size());
  VS_TRY_ASSIGN(now.root, root(now.size));
  return now.sign(log_key_);
}

Status LocalLedger::holds_batch_of(const GatewayStateReader& state,
                                   const proto::ReceiptBody& receipt) {
  std::string entry_name = "ledger entry " + std::to_string(receipt.ledger.ledger_height);
  VS_TRY_ASSIGN(auto bytes, state.ledger_entry(receipt.ledger.ledger_height));
  if (!bytes)
    return Error(ErrorCode::kIntegrity, "the receipt names a log entry this ledger does not hold")
        .about(entry_name);
  auto entry = chain::LogEntry::decode(*bytes);
  if (!entry) return std::move(entry).error().about(entry_name);
  if (entry->batch_id != receipt.batch_id || !equal(entry->batch_root, receipt.batch_root))
    return Error(ErrorCode::kIntegrity, "the log entry does not hold the batch the receipt proves")
        .about(entry_name + ", batch " + std::to_string(receipt.batch_id));
  return {};
}

}  // namespace vs::gateway
