// `vitalsign backup --store DIR --out FILE` and
// `vitalsign restore --from FILE --config GATEWAY.toml`: a consistent copy of
// a live LMDB store, and a gateway's store made again from one, audited and
// reconciled with the ledger before any gateway runs on it.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "terminal_progress.h"
#include "vs/gateway/gateway_restore.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/toml_config.h"

namespace vs::tools {
namespace {

constexpr const char* kBackupHelp =
    "usage: vitalsign backup --store DIR --out FILE\n\n"
    "Copies the LMDB store in DIR (a gateway's store.data_dir or an agent's store\n"
    "directory) to FILE: one consistent snapshot, taken in one read transaction while\n"
    "the gateway or agent keeps running, compacted (free pages left out). FILE must\n"
    "not exist; it appears only once it is whole and synced. Progress is shown on a\n"
    "terminal. A cluster's PostgreSQL state is backed up with pg_dump instead.\n";

constexpr const char* kRestoreHelp =
    "usage: vitalsign restore --from FILE --config GATEWAY.toml [--json]\n\n"
    "Makes the gateway's store (store.data_dir of the config, absent or empty) from\n"
    "a backup, and checks it before any gateway runs on it:\n"
    "  1. audits the copy: every device chain, every receipt against its block and\n"
    "     the gateway key, the local ledger's log;\n"
    "  2. compares it with the ledger: local, the log must hold the last published\n"
    "     checkpoint (ledger.checkpoint_file), else restoring would fork it and is\n"
    "     refused; EVM, batch ids move past every anchor the account may have sent\n"
    "     since the copy;\n"
    "  3. rewinds each device below its first block not yet anchored: devices send\n"
    "     again what came after the copy, with the receipts they hold, so nothing is\n"
    "     anchored twice.\n"
    "A copy that fails a check is removed and the reason named. Exit 0 restored,\n"
    "1 refused, 2 usage, 3 bad input, 4 environment.\n";

int usage_error(const char* verb, const char* message) {
  std::fprintf(stderr, "vitalsign %s: %s (see vitalsign %s --help)\n", verb, message, verb);
  return kExitUsage;
}

std::string mebibytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

}  // namespace

int run_backup(std::span<const std::string_view> args) {
  std::string store, out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", kBackupHelp);
      return kExitOk;
    } else if (args[i] == "--store" && has_value) {
      store = args[++i];
    } else if (args[i] == "--out" && has_value) {
      out = args[++i];
    } else {
      return usage_error("backup", "unexpected argument");
    }
  }
  if (store.empty() || out.empty()) return usage_error("backup", "--store and --out are needed");
  if (gateway::store_backend_of(store) == gateway::StoreBackend::kPostgres)
    return complain("backup",
                    Error(ErrorCode::kUnsupported,
                          "a PostgreSQL state is backed up with PostgreSQL's own tools: "
                          "pg_dump --format=custom --schema=SCHEMA, restored with pg_restore")
                        .about(store));
  TerminalProgress progress("copying (bytes)");
  Status copied = platform::LmdbStore::copy_to_file(
      store, out, [&](std::uint64_t done, std::uint64_t total) { progress.update(done, total); });
  progress.finish();
  if (!copied) return complain("backup", copied.error());
  std::error_code error;
  std::printf("backup    %s\nof        %s\nsize      %s (compacted)\ntaken     %s\n", out.c_str(),
              store.c_str(), mebibytes(std::filesystem::file_size(out, error)).c_str(),
              utc(platform::SystemClock().wall_ms()).c_str());
  return kExitOk;
}

int run_restore(std::span<const std::string_view> args) {
  std::string from, config_path;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", kRestoreHelp);
      return kExitOk;
    } else if (args[i] == "--from" && has_value) {
      from = args[++i];
    } else if (args[i] == "--config" && has_value) {
      config_path = args[++i];
    } else if (args[i] == "--json") {
      json = true;
    } else {
      return usage_error("restore", "unexpected argument");
    }
  }
  if (from.empty() || config_path.empty())
    return usage_error("restore", "--from and --config are needed");
  auto toml = platform::TomlConfig::load(config_path);
  if (!toml) return complain("restore", toml.error());
  auto config = gateway::GatewayConfig::from_toml(*toml);
  if (!config) return complain("restore", config.error());
  TerminalProgress progress("auditing blocks", !json && ::isatty(STDERR_FILENO) != 0);
  auto restored = gateway::GatewayRestore::run(
      *config, from,
      [&](std::uint64_t done, std::uint64_t total) { progress.update(done, total); });
  progress.finish();
  if (!restored) {
    int code = restored.error().code() == ErrorCode::kIntegrity ||
                       restored.error().code() == ErrorCode::kConflict
                   ? kExitFailed
                   : exit_code_for(restored.error());
    std::fprintf(stderr, "vitalsign restore: refused: %s\n", restored.error().message().c_str());
    return code;
  }
  const auto& r = *restored;
  if (json) {
    std::printf(
        "{\"store\":%s,\"devices\":%llu,\"blocks\":%llu,\"receipts\":%llu,\"ledger_entries\":%llu,"
        "\"ledger_check\":%s,\"devices_rewound\":%llu,\"blocks_asked_again\":%llu,"
        "\"queue_emptied\":%llu,\"next_batch_id_before\":%llu,\"next_batch_id\":%llu}\n",
        json_string(config->data_dir.string()).c_str(),
        static_cast<unsigned long long>(r.audit.devices),
        static_cast<unsigned long long>(r.audit.blocks),
        static_cast<unsigned long long>(r.audit.receipts),
        static_cast<unsigned long long>(r.audit.ledger_entries),
        json_string(r.ledger_check).c_str(), static_cast<unsigned long long>(r.rewind.devices),
        static_cast<unsigned long long>(r.rewind.blocks_forgotten),
        static_cast<unsigned long long>(r.rewind.queue_emptied),
        static_cast<unsigned long long>(r.rewind.next_batch_id_before),
        static_cast<unsigned long long>(r.rewind.next_batch_id));
    return kExitOk;
  }
  std::printf("restored  %s from %s\n", config->data_dir.string().c_str(), from.c_str());
  std::printf("audited   %llu devices, %llu blocks, %llu receipts, %llu log entries: verified\n",
              static_cast<unsigned long long>(r.audit.devices),
              static_cast<unsigned long long>(r.audit.blocks),
              static_cast<unsigned long long>(r.audit.receipts),
              static_cast<unsigned long long>(r.audit.ledger_entries));
  std::printf("ledger    %s\n", r.ledger_check.c_str());
  std::printf("rewound   %llu devices, %llu blocks to be sent again by their devices\n",
              static_cast<unsigned long long>(r.rewind.devices),
              static_cast<unsigned long long>(r.rewind.blocks_forgotten));
  std::printf("batches   next batch id %llu (was %llu)\n",
              static_cast<unsigned long long>(r.rewind.next_batch_id),
              static_cast<unsigned long long>(r.rewind.next_batch_id_before));
  return kExitOk;
}

}  // namespace vs::tools
