#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "vs/gateway/gateway_config.h"
#include "vs/gateway/gateway_state_audit.h"
#include "vs/gateway/state_rewind.h"

namespace vs::gateway {

// `vitalsign restore`: a gateway's LMDB store made again from a backup
// (LmdbStore::copy_to_file), checked before any gateway runs on it.
//
// 1. The copy is installed beside store.data_dir (which must be absent or
//    empty) and audited whole (GatewayStateAudit): a copy that does not
//    verify is removed and named.
// 2. It is compared with the ledger. Local: against the last checkpoint
//    the gateway published (ledger.checkpoint_file): a copy whose log is
//    shorter lost entries that checkpoint holders keep, and a gateway on it
//    would fork the log, so it is refused. EVM: the account's transaction
//    count bounds the batches anchored after the copy, and batch ids move
//    past them.
// 3. It is rewound (StateRewind): devices send again what came after the
//    copy, with the receipts they hold, and nothing is anchored twice.
// 4. It is moved into store.data_dir.
struct GatewayRestore {
  GatewayStateAudit audit;
  std::string ledger_check;  // what the copy was compared with, in words
  StateRewind rewind;

  static Result<GatewayRestore> run(
      const GatewayConfig& config, const std::filesystem::path& copy_file,
      const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
};

}  // namespace vs::gateway
