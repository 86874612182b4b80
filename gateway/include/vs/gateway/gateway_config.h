#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "vs/gateway/evm_ledger.h"
#include "vs/gateway/gateway.h"
#include "vs/platform/result.h"
#include "vs/platform/toml_config.h"

namespace vs::gateway {

// Everything vitalsign-gateway reads from its TOML file;
// gateway/gateway.example.toml documents every key with its default.
struct GatewayConfig {
  std::filesystem::path data_dir = "gateway-data";  // store.data_dir
  std::uint64_t store_max_bytes = 4ULL << 30;       // store.max_mb
  std::string store_backend = "lmdb";               // store.backend ("lmdb" | "postgres")
  std::string postgres_connection;                  // store.postgres (libpq string or URI)
  std::string postgres_schema = "vitalsign";        // store.postgres_schema
  // cluster.name: this gateway among the cluster's (status, the lease);
  // mqtt.client_id when absent.
  std::string cluster_name;
  std::chrono::milliseconds anchor_lease{10'000};  // cluster.lease_ms
  std::filesystem::path key_dir = "keys";          // keys.dir
  std::string key_name = "gateway";                // keys.name
  std::string broker = "tcp://127.0.0.1:1883";     // mqtt.broker
  std::vector<std::string> more_brokers;  // mqtt.broker as a list: every broker, each subscribed
  std::string client_id = "vs-gateway";   // mqtt.client_id
  std::string tls_ca_file;                // mqtt.ca_file
  std::string tls_cert_file;              // mqtt.cert_file
  std::string tls_key_file;               // mqtt.key_file
  std::chrono::seconds keep_alive{10};    // mqtt.keep_alive_s
  GatewayOptions options = daemon_defaults();  // mqtt.topic_prefix, mqtt.shared_group, batch.*,
                                               // resend.*, verify.threads
  std::string ledger_kind = "local";           // ledger.kind
  std::string ledger_origin = "vitalsign-gateway";  // ledger.origin (checkpoint name)
  std::filesystem::path checkpoint_file;            // ledger.checkpoint_file (after each anchor)
  std::filesystem::path log_key_file;  // ledger.log_key_file; empty: <keys.dir>/log.skey
  std::string evm_url;                 // ledger.evm.url
  std::filesystem::path evm_key_file;  // ledger.evm.key_file (mode = "raw")
  std::chrono::milliseconds evm_rpc_timeout{10'000};  // ledger.evm.rpc_timeout_ms
  EvmLedgerOptions evm;  // ledger.evm.{mode, from, to, chain_id, confirmations, ...}
  std::string metrics_listen = "127.0.0.1:9464";  // metrics.listen (empty: off)

  // Which gateway keys are valid when (GatewayKeyRing; written by
  // `vitalsign gateway-key rotate`): absent, keys.name signs at any time.
  std::filesystem::path trusted_keys_path() const { return key_dir / "trusted_gateway_keys"; }
  // The local ledger's Ed25519 note key (made at first start; LogKeyFile
  // keeps its vkey beside it, log.vkey: what auditors and witnesses trust).
  std::filesystem::path log_key_path() const {
    return log_key_file.empty() ? key_dir / "log.skey" : log_key_file;
  }

  static GatewayOptions daemon_defaults() {
    GatewayOptions options;
    options.verify_threads = 2;
    options.batch_max_blocks = 100'000;  // one anchor per interval for a large fleet
    return options;
  }

  // Reads and checks every key; an error names the file, line, key, value
  // and reason. Unknown keys are errors.
  static Result<GatewayConfig> from_toml(const platform::TomlConfig& config);
};

}  // namespace vs::gateway
