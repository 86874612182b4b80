#include "vs/gateway/gateway_state_audit.h"

#include "vs/chain/chain_verifier.h"
#include "vs/chain/log_checkpoint.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/gateway/local_ledger.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

std::string at(const chain::DeviceId& device, std::uint64_t height) {
  return "device " + device.hex() + " height " + std::to_string(height);
}

// One device's chain from genesis to its stored tip, and each block's receipt.
Status audit_device(const GatewayStateReader& view, const platform::Sha256& sha,
                    const platform::VerifierFactory& keys, const chain::ReceiptVerifier& receipts,
                    const chain::DeviceId& device, const DeviceRecord& record,
                    GatewayStateAudit& audit, const std::function<void()>& block_done) {
  VS_TRY_ASSIGN(auto tip, view.tip(device));
  if (record.public_keys.empty())
    return Error(ErrorCode::kIntegrity, "the registry holds no key")
        .about("device " + device.hex());
  VS_TRY_ASSIGN(auto follower,
                chain::ChainVerifier::from_genesis(sha, keys, record.public_keys[0]));
  Status walked =
      for_each_block(view, device, 0, [&](std::uint64_t height, ByteView bytes) -> Result<bool> {
        auto verified = follower.append(bytes);
        if (!verified) return std::move(verified).error().about(at(device, height));
        ++audit.blocks;
        block_done();
        VS_TRY_ASSIGN(auto receipt, view.receipt(device, height));
        if (receipt) {
          auto body = receipts.verify(*receipt, {device, height, verified->hash});
          if (!body)
            return Error(ErrorCode::kIntegrity, "its receipt does not verify")
                .about(at(device, height) + ": " + body.error().message());
          ++audit.receipts;
          audit.highest_batch_id = std::max(audit.highest_batch_id, body->batch_id);
          if (body->state != proto::ReceiptState::kPending &&
              body->ledger.kind == proto::LedgerKind::kLocal)
            if (Status held = LocalLedger::holds_batch_of(view, *body); !held)
              return std::move(held).error().about("the receipt of " + at(device, height));
        }
        return true;
      });
  VS_TRY(walked);
  const auto& reached = follower.tip();
  bool same = reached.has_value() == tip.has_value() &&
              (!tip || (reached->height == tip->height && reached->hash == tip->hash));
  if (!same)
    return Error(ErrorCode::kIntegrity,
                 "the stored tip is not where its blocks lead (a block is missing)")
        .about("device " + device.hex() + ": blocks reach " +
               (reached ? std::to_string(reached->height) : std::string("nothing")) +
               ", the tip says " + (tip ? std::to_string(tip->height) : std::string("none")));
  return {};
}

// The local ledger's log: consecutive indices, each naming the hash of the one before.
Status audit_log(const GatewayStateReader& view, const platform::Sha256& sha,
                 GatewayStateAudit& audit) {
  VS_TRY_ASSIGN(std::uint64_t size, view.ledger_size());
  Digest previous{};
  constexpr std::size_t kPage = 1024;
  for (std::uint64_t index = 0; index < size;) {
    VS_TRY_ASSIGN(auto page, view.ledger_entries(index, kPage));
    if (page.empty())
      return Error(ErrorCode::kIntegrity, "the ledger log ends before its size")
          .about("entry " + std::to_string(index) + " of " + std::to_string(size));
    for (const Bytes& bytes : page) {
      std::string where = "ledger entry " + std::to_string(index);
      auto entry = chain::LogEntry::decode(bytes);
      if (!entry) return std::move(entry).error().about(where);
      if (entry->index != index)
        return Error(ErrorCode::kIntegrity, "the entry names another index").about(where);
      if (entry->previous != previous)
        return Error(ErrorCode::kIntegrity, "the entry does not name the hash of the one before")
            .about(where);
      previous = sha.digest(bytes);
      audit.highest_batch_id = std::max(audit.highest_batch_id, entry->batch_id);
      ++audit.ledger_entries;
      ++index;
    }
  }
  return {};
}

}  // namespace

Result<GatewayStateAudit> GatewayStateAudit::run(
    const GatewayState& state, const platform::Sha256& sha, const platform::VerifierFactory& keys,
    const chain::GatewayKeySet& gateway_keys,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  VS_TRY_ASSIGN(auto view, state.snapshot());
  GatewayStateAudit audit;
  VS_TRY_ASSIGN(audit.queued, view->queue_size());
  VS_TRY_ASSIGN(audit.next_batch_id, view->next_batch_id());
  chain::ReceiptVerifier receipts(sha, gateway_keys);
  VS_TRY_ASSIGN(auto devices, view->devices());
  std::uint64_t total = 0;
  for (const auto& [device, record] : devices) {
    VS_TRY_ASSIGN(auto tip, view->tip(device));
    if (tip) total += tip->height + 1;
  }
  auto block_done = [&] {
    if (progress && audit.blocks % 256 == 0) progress(audit.blocks, total);
  };
  for (const auto& [device, record] : devices) {
    ++audit.devices;
    Status checked = audit_device(*view, sha, keys, receipts, device, record, audit, block_done);
    if (!checked) {
      audit.failure = std::move(checked).error();
      return audit;
    }
  }
  if (progress) progress(audit.blocks, total);
  if (Status logged = audit_log(*view, sha, audit); !logged) {
    audit.failure = std::move(logged).error();
    return audit;
  }
  if (audit.highest_batch_id >= audit.next_batch_id)
    audit.failure = Error(ErrorCode::kIntegrity,
                          "a receipt or log entry names a batch id the state has not issued yet")
                        .about("batch " + std::to_string(audit.highest_batch_id) +
                               ", next batch id " + std::to_string(audit.next_batch_id));
  return audit;
}

}  // namespace vs::gateway
