// vitalsign-gateway: verifies every device's chain, anchors batch roots on
// the ledger and sends receipts. Wires the config, the gateway key, the LMDB
// store, the ledger, the MQTT transport and the metrics endpoint to the
// gateway loop; stops cleanly on SIGTERM or SIGINT.
#include <cstdio>
#include <fstream>
#include <string>

#include "vs/chain/receipt_signer.h"
#include "vs/gateway/evm_ledger.h"
#include "vs/gateway/gateway.h"
#include "vs/gateway/gateway_config.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/cryptopp_keccak256.h"
#include "vs/platform/curl_evm_rpc.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/log.h"
#include "vs/platform/metrics_endpoint.h"
#include "vs/platform/openssl_random.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/paho_transport.h"
#include "vs/platform/secp256k1_key.h"
#include "vs/platform/service_notifier.h"
#include "vs/platform/toml_config.h"
#include "vs/proto/limits.h"

#include "daemon.h"

namespace {

using namespace vs;
using platform::log;
using platform::LogLevel;
using namespace vs::tools;

void usage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: vitalsign-gateway --config FILE [--verbose]\n\n"
      "Runs the gateway: blocks from enrolled devices are verified and followed per\n"
      "device, batched into one Merkle tree whose root is anchored on the ledger, and\n"
      "answered with signed receipts. Enrol devices with `vitalsign enrol`. SIGTERM or\n"
      "SIGINT anchors what is queued and disconnects. See gateway/gateway.example.toml.\n");
}

// Written whole or not at all, so a reader never sees half a checkpoint.
Status write_atomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out.flush()) return Error(ErrorCode::kIo, "cannot write").about(temporary.string());
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return Error(ErrorCode::kIo, "cannot rename into place").about(path.string());
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return kOk;
    } else if (arg == "--version") {
      std::printf("vitalsign-gateway 0.1.0\n");
      return kOk;
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--verbose" || arg == "-v") {
      platform::set_log_level(LogLevel::kDebug);
    } else {
      std::fprintf(stderr, "vitalsign-gateway: unexpected argument '%s'\n\n", argv[i]);
      usage(stderr);
      return kUsage;
    }
  }
  if (config_path.empty()) {
    usage(stderr);
    return kUsage;
  }
  auto toml = platform::TomlConfig::load(config_path);
  if (!toml) return fail(kConfig, "config: " + toml.error().message());
  auto config = gateway::GatewayConfig::from_toml(*toml);
  if (!config) return fail(kConfig, "config: " + config.error().message());

  platform::FileKeyStore keys(config->key_dir);
  auto key = keys.load(config->key_name);
  if (!key) {
    return fail(kEnvironment,
                "gateway key: " + key.error().message() +
                    (key.error().code() == ErrorCode::kNotFound
                         ? " (create one with: vitalsign keygen --dir " + config->key_dir.string() +
                               " --name " + config->key_name + ")"
                         : ""));
  }
  // Ingest commits are not synced one by one: receipts are what the gateway
  // promises, and the anchorer syncs before it sends any. A block lost to a
  // power cut before that is sent again by its device (receipt timeout).
  auto state =
      gateway::open_gateway_store({config->data_dir, gateway::StoreAccess::kCreate,
                                   config->store_max_bytes, platform::Durability::kGroupCommit});
  if (!state) return fail(kEnvironment, "store: " + state.error().message());
  platform::SystemClock clock;

  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory openssl_verifiers;
  platform::CachingVerifierFactory verifiers(openssl_verifiers);
  gateway::BlockIngest ingest(**state, sha, verifiers, clock);
  gateway::LocalLedger local_ledger(**state, sha, **key, config->ledger_origin);
  gateway::Ledger* ledger = &local_ledger;
  platform::CryptoppKeccak256 keccak;
  std::unique_ptr<platform::CurlEvmRpc> evm_rpc;
  std::unique_ptr<platform::Secp256k1Key> evm_key;
  std::unique_ptr<gateway::EvmLedger> evm_ledger;
  std::string ledger_name = "local (" + config->ledger_origin + ")";
  if (config->ledger_kind == "evm") {
    auto rpc = platform::CurlEvmRpc::open(config->evm_url, config->evm_rpc_timeout);
    if (!rpc) return fail(kConfig, "ledger.evm.url: " + rpc.error().message());
    evm_rpc = std::move(rpc).value();
    if (config->evm.mode == gateway::EvmLedgerOptions::Mode::kRaw) {
      auto loaded = platform::Secp256k1Key::load(config->evm_key_file, keccak);
      if (!loaded) return fail(kEnvironment, "ledger.evm.key_file: " + loaded.error().message());
      evm_key = std::move(loaded).value();
    }
    auto opened = gateway::EvmLedger::open(*evm_rpc, keccak, evm_key.get(), config->evm);
    if (!opened) return fail(kEnvironment, "ledger: " + opened.error().message());
    evm_ledger = std::move(opened).value();
    ledger = evm_ledger.get();
    ledger_name = "evm (" + config->evm_url + ", " + std::to_string(config->evm.confirmations) +
                  " confirmations)";
  }
  chain::ReceiptSigner signer(sha, **key);
  gateway::BatchAnchorer anchorer(**state, sha, *ledger, signer);
  platform::PahoTransport transport;
  platform::OpensslRandom random;
  gateway::Gateway gateway(config->options, ingest, anchorer, *ledger, signer, random, &transport,
                           clock);

  std::unique_ptr<platform::MetricsEndpoint> metrics;
  if (!config->metrics_listen.empty()) {
    auto endpoint = platform::MetricsEndpoint::start(config->metrics_listen,
                                                     [&gateway] { return gateway.metrics_text(); });
    if (!endpoint) return fail(kEnvironment, "metrics.listen: " + endpoint.error().message());
    metrics = std::move(endpoint).value();
  }
  platform::TransportOptions transport_options;
  transport_options.server_uri = config->broker;
  transport_options.client_id = config->client_id;
  transport_options.ca_file = config->tls_ca_file;
  transport_options.cert_file = config->tls_cert_file;
  transport_options.key_file = config->tls_key_file;
  transport_options.keep_alive = config->keep_alive;
  transport_options.max_outstanding = 65535;  // receipts for a whole batch at once
  transport_options.max_incoming_bytes = proto::kMaxBlockBytes;  // blocks are all it takes
  if (auto started = gateway.start(transport_options); !started)
    return fail(kEnvironment, "broker: " + started.error().message());

  stop_on_signals();

  auto devices = (*state)->devices();
  log(LogLevel::kInfo,
      "vitalsign-gateway: " + std::to_string(devices ? devices->size() : 0) +
          " enrolled devices, store " + config->data_dir.string() + ", ledger " + ledger_name +
          ", broker " + config->broker + ", key " +
          keys.public_key_path(config->key_name).string() +
          (metrics ? ", metrics http://127.0.0.1:" + std::to_string(metrics->port()) + "/metrics"
                   : std::string()));
  platform::ServiceNotifier service;
  service.ready();
  std::uint64_t anchored_batches = 0;
  auto write_checkpoint = [&] {
    std::uint64_t now_anchored = gateway.counters().batches_anchored;
    if (config->checkpoint_file.empty() || evm_ledger || now_anchored == anchored_batches) return;
    anchored_batches = now_anchored;
    auto checkpoint = local_ledger.checkpoint();
    Status written = checkpoint ? write_atomically(config->checkpoint_file, *checkpoint)
                                : Status(std::move(checkpoint).error());
    if (!written) log(LogLevel::kError, "checkpoint: " + written.error().message());
  };
  while (!stop_requested()) {
    Status stepped = gateway.step(std::chrono::milliseconds(100));
    if (!stepped) log(LogLevel::kError, stepped.error().message());
    write_checkpoint();
    service.keep_alive();
  }
  service.stopping();
  log(LogLevel::kInfo, "stopping: anchoring what is queued");
  int exit_code = kOk;
  if (Status done = gateway.shutdown(std::chrono::seconds(2)); !done) {
    log(LogLevel::kError, "shutdown: " + done.error().message() + " (the queue is kept)");
    exit_code = kFailed;
  }
  write_checkpoint();
  auto counters = gateway.counters();
  log(LogLevel::kInfo, "stopped: " + std::to_string(counters.blocks_accepted) +
                           " blocks accepted, " + std::to_string(counters.batches_anchored) +
                           " batches anchored, " + std::to_string(counters.receipts_published) +
                           " receipts sent");
  return exit_code;
}
