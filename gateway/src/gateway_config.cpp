#include "vs/gateway/gateway_config.h"

#include "vs/chain/signed_note.h"

#include <limits>

#include "vs/platform/config_reader.h"

namespace vs::gateway {
namespace {

const char* const kKnownKeys[] = {"store.data_dir",
                                  "store.max_mb",
                                  "store.backend",
                                  "store.postgres",
                                  "store.postgres_schema",
                                  "cluster.name",
                                  "cluster.lease_ms",
                                  "keys.dir",
                                  "keys.name",
                                  "mqtt.broker",
                                  "mqtt.client_id",
                                  "mqtt.topic_prefix",
                                  "mqtt.shared_group",
                                  "mqtt.ca_file",
                                  "mqtt.cert_file",
                                  "mqtt.key_file",
                                  "mqtt.keep_alive_s",
                                  "batch.max_blocks",
                                  "batch.max_age_ms",
                                  "resend.interval_ms",
                                  "resend.duplicate_interval_ms",
                                  "resend.duplicates_per_second",
                                  "resend.duplicate_burst",
                                  "ledger.kind",
                                  "ledger.origin",
                                  "ledger.checkpoint_file",
                                  "ledger.log_key_file",
                                  "ledger.retry_ms",
                                  "ledger.finality_check_ms",
                                  "verify.threads",
                                  "metrics.listen",
                                  "metrics.device_series",
                                  "ledger.evm.url",
                                  "ledger.evm.mode",
                                  "ledger.evm.from",
                                  "ledger.evm.to",
                                  "ledger.evm.key_file",
                                  "ledger.evm.chain_id",
                                  "ledger.evm.confirmations",
                                  "ledger.evm.poll_interval_ms",
                                  "ledger.evm.timeout_ms",
                                  "ledger.evm.rpc_timeout_ms"};

Status read_address(const platform::ConfigReader& read, std::string_view key,
                    platform::EvmAddress& out) {
  std::string text;
  VS_TRY(read.text(key, text));
  if (text.empty()) return {};
  auto address = platform::parse_evm_address(text);
  if (!address) return read.bad(key, "\"" + text + "\"", "must be 0x and 40 hex digits");
  out = *address;
  return {};
}

}  // namespace

Result<GatewayConfig> GatewayConfig::from_toml(const platform::TomlConfig& config) {
  GatewayConfig out;
  platform::ConfigReader read(config);
  VS_TRY(read.reject_unknown(kKnownKeys));
  std::string path = out.data_dir.string();
  VS_TRY(read.text("store.data_dir", path));
  if (path.empty()) return read.bad("store.data_dir", "\"\"", "must name a directory");
  out.data_dir = path;
  std::uint64_t max_mb = out.store_max_bytes >> 20;
  VS_TRY(read.integer("store.max_mb", 16, 1 << 24, "must be 16 to 16777216 (MiB)", max_mb));
  out.store_max_bytes = max_mb << 20;
  VS_TRY(read.choice("store.backend", {"lmdb", "postgres"}, "must be \"lmdb\" or \"postgres\"",
                     out.store_backend));
  VS_TRY(read.text("store.postgres", out.postgres_connection));
  if (out.store_backend == "postgres" && out.postgres_connection.empty()) {
    return read.bad("store.postgres", "(absent)",
                    "backend \"postgres\" needs a connection string (\"host=... dbname=...\" or "
                    "a postgresql:// URI)");
  }
  VS_TRY(read.text("store.postgres_schema", out.postgres_schema));
  if (out.postgres_schema.empty() ||
      out.postgres_schema.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") !=
          std::string::npos) {
    return read.bad("store.postgres_schema", "\"" + out.postgres_schema + "\"",
                    "must be lowercase letters, digits and _");
  }
  VS_TRY(read.text("cluster.name", out.cluster_name));
  if (out.cluster_name.size() > 64 ||
      out.cluster_name.find_first_of(" \n\t") != std::string::npos) {
    return read.bad("cluster.name", "\"" + out.cluster_name + "\"",
                    "must be at most 64 characters without spaces");
  }
  VS_TRY(read.duration("cluster.lease_ms", 1000, 600'000, "must be 1 s to 10 minutes",
                       out.anchor_lease));
  path = out.key_dir.string();
  VS_TRY(read.text("keys.dir", path));
  out.key_dir = path;
  VS_TRY(read.text("keys.name", out.key_name));

  VS_TRY(read.brokers("mqtt.broker", out.broker, out.more_brokers));
  if (out.broker.empty()) return read.bad("mqtt.broker", "\"\"", "the gateway needs a broker");
  VS_TRY(read.text("mqtt.client_id", out.client_id));
  if (out.client_id.empty()) return read.bad("mqtt.client_id", "\"\"", "must not be empty");
  VS_TRY(read.topic_prefix("mqtt.topic_prefix", out.options.topic_prefix));
  VS_TRY(read.text("mqtt.shared_group", out.options.shared_group));
  if (out.options.shared_group.find_first_of("/#+") != std::string::npos) {
    return read.bad("mqtt.shared_group", "\"" + out.options.shared_group + "\"",
                    "must not contain /, # or +");
  }
  // Shared subscriptions hand one device's blocks round-robin: gateways
  // that share them must share their state too.
  if (!out.options.shared_group.empty() && out.store_backend != "postgres") {
    return read.bad("mqtt.shared_group", "\"" + out.options.shared_group + "\"",
                    "splits each device's blocks between gateways: it needs their shared state, "
                    "store.backend = \"postgres\"");
  }
  if (out.store_backend == "postgres" && out.options.shared_group.empty())
    out.options.shared_group = "vitalsign";  // a cluster shares each broker's blocks
  VS_TRY(read.text("mqtt.ca_file", out.tls_ca_file));
  VS_TRY(read.text("mqtt.cert_file", out.tls_cert_file));
  VS_TRY(read.text("mqtt.key_file", out.tls_key_file));
  if (out.broker.rfind("ssl://", 0) == 0 && out.tls_ca_file.empty())
    return read.bad("mqtt.ca_file", "(absent)", "is needed with an ssl:// broker");
  VS_TRY(read.duration("mqtt.keep_alive_s", 2, 3600, "must be 2 to 3600 s", out.keep_alive));

  VS_TRY(read.integer("batch.max_blocks", 1, 1'000'000, "must be 1 to 1000000 blocks",
                      out.options.batch_max_blocks));
  VS_TRY(read.duration("batch.max_age_ms", 10, 86'400'000, "must be 10 ms to one day",
                       out.options.batch_max_age));
  VS_TRY(read.integer("verify.threads", 0, 64, "must be 0 (the main loop) to 64",
                      out.options.verify_threads));
  VS_TRY(read.duration("resend.interval_ms", 100, 3'600'000, "must be 100 ms to one hour",
                       out.options.resend_interval));
  VS_TRY(read.duration("resend.duplicate_interval_ms", 0, 3'600'000, "must be 0 to one hour",
                       out.options.duplicate_answer_interval));
  std::uint64_t per_second = 50;
  VS_TRY(read.integer("resend.duplicates_per_second", 1, 1'000'000, "must be 1 to 1000000",
                      per_second));
  out.options.duplicate_answers_per_second = static_cast<double>(per_second);
  std::uint64_t burst = 200;
  VS_TRY(read.integer("resend.duplicate_burst", 1, 1'000'000, "must be 1 to 1000000", burst));
  out.options.duplicate_answer_burst = static_cast<double>(burst);

  VS_TRY(read.choice("ledger.kind", {"local", "evm"}, "must be \"local\" or \"evm\"",
                     out.ledger_kind));
  VS_TRY(read.text("ledger.origin", out.ledger_origin));
  if (!chain::NoteVerifierKey::check_name(out.ledger_origin))
    return read.bad("ledger.origin", "\"" + out.ledger_origin + "\"",
                    "must be a note key name: 1 to 256 characters, no space, no '+', no control "
                    "character (e.g. gateway.example.org/vitalsign)");
  path = out.log_key_file.string();
  VS_TRY(read.text("ledger.log_key_file", path));
  out.log_key_file = path;
  path = out.checkpoint_file.string();
  VS_TRY(read.text("ledger.checkpoint_file", path));
  out.checkpoint_file = path;
  VS_TRY(read.duration("ledger.retry_ms", 100, 3'600'000, "must be 100 ms to one hour",
                       out.options.anchor_retry));
  VS_TRY(read.duration("ledger.finality_check_ms", 100, 3'600'000, "must be 100 ms to one hour",
                       out.options.finality_check));
  VS_TRY(read.text("ledger.evm.url", out.evm_url));
  std::string mode = "node";
  VS_TRY(read.choice("ledger.evm.mode", {"node", "raw"}, "must be \"node\" or \"raw\"", mode));
  out.evm.mode = mode == "raw" ? EvmLedgerOptions::Mode::kRaw : EvmLedgerOptions::Mode::kNode;
  VS_TRY(read_address(read, "ledger.evm.from", out.evm.from));
  VS_TRY(read_address(read, "ledger.evm.to", out.evm.to));
  path = out.evm_key_file.string();
  VS_TRY(read.text("ledger.evm.key_file", path));
  out.evm_key_file = path;
  VS_TRY(read.integer("ledger.evm.chain_id", 0, std::numeric_limits<std::int64_t>::max(),
                      "must be 0 (take the node's) or a chain id", out.evm.chain_id));
  VS_TRY(read.integer("ledger.evm.confirmations", 1, 10'000, "must be 1 to 10000",
                      out.evm.confirmations));
  VS_TRY(read.duration("ledger.evm.poll_interval_ms", 10, 60'000, "must be 10 ms to one minute",
                       out.evm.poll_interval));
  VS_TRY(read.duration("ledger.evm.timeout_ms", 1000, 86'400'000, "must be 1 s to one day",
                       out.evm.timeout));
  VS_TRY(read.duration("ledger.evm.rpc_timeout_ms", 100, 600'000, "must be 100 ms to 10 minutes",
                       out.evm_rpc_timeout));
  if (out.ledger_kind == "evm") {
    if (out.evm_url.rfind("http://", 0) != 0 && out.evm_url.rfind("https://", 0) != 0) {
      return read.bad("ledger.evm.url", "\"" + out.evm_url + "\"",
                      "an evm ledger needs the node's http:// or https:// URL");
    }
    if (out.evm.mode == EvmLedgerOptions::Mode::kNode && out.evm.from == platform::EvmAddress{})
      return read.bad("ledger.evm.from", "(absent)", "mode \"node\" needs the node's account");
    if (out.evm.mode == EvmLedgerOptions::Mode::kRaw && out.evm_key_file.empty())
      return read.bad("ledger.evm.key_file", "(absent)", "mode \"raw\" needs a secp256k1 key file");
  }
  VS_TRY(read.text("metrics.listen", out.metrics_listen));
  VS_TRY(read.integer("metrics.device_series", 0, 100'000, "must be 0 (fleet-level only) to 100000",
                      out.options.device_series_limit));
  return out;
}

}  // namespace vs::gateway
