#include "vs/gateway/gateway_daemon.h"

#include <fstream>

#include "vs/chain/receipt_signer.h"
#include "vs/gateway/evm_ledger.h"
#include "vs/gateway/gateway_key_ring.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/gateway/log_key_file.h"
#include "vs/gateway/status_page.h"
#include "vs/platform/cryptopp_keccak256.h"
#include "vs/platform/curl_evm_rpc.h"
#include "vs/platform/fan_out_transport.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/json.h"
#include "vs/platform/log.h"
#include "vs/platform/metrics_endpoint.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_random.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/paho_transport.h"
#include "vs/platform/secp256k1_key.h"
#include "vs/platform/service_notifier.h"
#include "vs/proto/limits.h"

namespace vs::gateway {
namespace {

using platform::log;
using platform::LogLevel;

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

// Declared in the order they are built: each refers to those before it.
struct GatewayDaemon::Parts {
  explicit Parts(const GatewayConfig& config_in) : config(config_in), keys(config.key_dir) {}

  GatewayConfig config;
  platform::FileKeyStore keys;
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory openssl_verifiers;
  platform::CachingVerifierFactory verifiers{openssl_verifiers};
  platform::SystemClock clock;
  std::unique_ptr<GatewayKeyRing> key_ring;
  std::unique_ptr<GatewayState> state;
  platform::OpensslRandom random;
  platform::OpensslEd25519 ed25519;
  std::unique_ptr<chain::ReceiptVerifier> own_receipts;  // receipts devices send back
  std::unique_ptr<BlockIngest> ingest;
  std::unique_ptr<LocalLedger> local_ledger;
  platform::CryptoppKeccak256 keccak;
  std::unique_ptr<platform::CurlEvmRpc> evm_rpc;
  std::unique_ptr<platform::Secp256k1Key> evm_key;
  std::unique_ptr<EvmLedger> evm_ledger;
  Ledger* ledger = nullptr;
  std::string ledger_name;
  std::unique_ptr<chain::ReceiptSigner> signer;
  std::unique_ptr<BatchAnchorer> anchorer;
  // One Paho client per broker; with several, every one is subscribed.
  std::unique_ptr<platform::Transport> transport;
  std::unique_ptr<Gateway> gateway;
  std::unique_ptr<ClusterLease> lease;  // on a shared (PostgreSQL) state
  std::unique_ptr<StatusPage> status_page;
  std::unique_ptr<platform::MetricsEndpoint> metrics;  // after what its pages read
  std::uint64_t checkpointed_batches = 0;

  // The ledger the config names; a failure says which key to look at.
  bool open_ledger(StartFailure& failure) {
    if (config.ledger_kind != "evm") {
      auto log_key = LogKeyFile::load_or_create(config.log_key_path(), config.ledger_origin, sha,
                                                ed25519, random);
      if (!log_key) return failure.set(false, "ledger.log_key_file: " + log_key.error().message());
      log(LogLevel::kInfo,
          std::string(log_key->created ? "made the log's note key " : "the log's note key ") +
              config.log_key_path().string() +
              "; its vkey (give it to auditors and witnesses; every gateway of a cluster has "
              "the same): " +
              log_key->key.verifier.text());
      local_ledger = std::make_unique<LocalLedger>(*state, sha, std::move(log_key->key));
      ledger = local_ledger.get();
      ledger_name = "local (" + config.ledger_origin + ")";
      return true;
    }
    auto rpc = platform::CurlEvmRpc::open(config.evm_url, config.evm_rpc_timeout);
    if (!rpc) return failure.set(true, "ledger.evm.url: " + rpc.error().message());
    evm_rpc = std::move(rpc).value();
    if (config.evm.mode == EvmLedgerOptions::Mode::kRaw) {
      auto loaded = platform::Secp256k1Key::load(config.evm_key_file, keccak);
      if (!loaded) return failure.set(false, "ledger.evm.key_file: " + loaded.error().message());
      evm_key = std::move(loaded).value();
    }
    auto opened = EvmLedger::open(*evm_rpc, keccak, evm_key.get(), config.evm);
    if (!opened) return failure.set(false, "ledger: " + opened.error().message());
    evm_ledger = std::move(opened).value();
    ledger = evm_ledger.get();
    ledger_name = "evm (" + config.evm_url + ", " + std::to_string(config.evm.confirmations) +
                  " confirmations)";
    return true;
  }
};

GatewayDaemon::GatewayDaemon(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
GatewayDaemon::~GatewayDaemon() = default;

std::unique_ptr<GatewayDaemon> GatewayDaemon::open(const GatewayConfig& config,
                                                   StartFailure& failure) {
  auto parts = std::make_unique<Parts>(config);
  auto key_ring = GatewayKeyRing::open(parts->config, parts->keys, parts->sha, parts->verifiers,
                                       parts->clock.wall_ms());
  if (!key_ring) {
    failure.set(false, key_ring.error().message());
    return nullptr;
  }
  parts->key_ring = std::move(key_ring).value();
  // Ingest commits are not synced one by one: receipts are what the gateway
  // promises, and the anchorer syncs before it sends any. A block lost to a
  // power cut before that is sent again by its device (receipt timeout).
  GatewayStoreOptions store;
  bool postgres = config.store_backend == "postgres";
  store.location = postgres ? config.postgres_connection : config.data_dir.string();
  store.backend = postgres ? StoreBackend::kPostgres : StoreBackend::kLmdb;
  store.postgres_schema = config.postgres_schema;
  store.access = StoreAccess::kCreate;
  store.max_bytes = config.store_max_bytes;
  store.durability = platform::Durability::kGroupCommit;
  auto state = open_gateway_store(store);
  if (!state) {
    failure.set(false, "store: " + state.error().message());
    return nullptr;
  }
  parts->state = std::move(state).value();
  Parts& p = *parts;
  if (config.more_brokers.empty()) {
    p.transport = std::make_unique<platform::PahoTransport>();
  } else {
    std::vector<std::unique_ptr<platform::Transport>> brokers;
    for (std::size_t i = 0; i <= config.more_brokers.size(); ++i)
      brokers.push_back(std::make_unique<platform::PahoTransport>());
    p.transport = std::make_unique<platform::FanOutTransport>(std::move(brokers));
  }
  p.own_receipts = std::make_unique<chain::ReceiptVerifier>(p.sha, p.key_ring->trusted());
  p.ingest =
      std::make_unique<BlockIngest>(*p.state, p.sha, p.verifiers, p.clock, p.own_receipts.get());
  if (!p.open_ledger(failure)) return nullptr;
  p.signer = std::make_unique<chain::ReceiptSigner>(p.sha, p.key_ring->default_key());
  p.key_ring->sign_with(*p.signer);
  p.anchorer = std::make_unique<BatchAnchorer>(*p.state, p.sha, *p.ledger, *p.signer);
  p.gateway = std::make_unique<Gateway>(config.options, *p.ingest, *p.anchorer, *p.ledger,
                                        *p.signer, p.random, p.transport.get(), p.clock);
  if (postgres) {
    p.lease = std::make_unique<ClusterLease>(
        *p.state, config.cluster_name.empty() ? config.client_id : config.cluster_name,
        config.anchor_lease, p.clock);
    p.gateway->anchor_by_lease(*p.lease);
  }
  return std::unique_ptr<GatewayDaemon>(new GatewayDaemon(std::move(parts)));
}

bool GatewayDaemon::start(StartFailure& failure) {
  Parts& p = *parts_;
  if (!p.config.metrics_listen.empty()) {
    Gateway* gateway = p.gateway.get();
    auto started = std::chrono::steady_clock::now();
    platform::MetricsEndpoint::Pages pages;
    // The process lives (and answers): for a supervisor's liveness probe.
    pages["/healthz"] = [started](std::string_view) {
      auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                 started);
      platform::Json body{{"status", "alive"}, {"uptime_s", up.count()}};
      return platform::MetricsEndpoint::Page{200, "application/json", body.dump(-1) + "\n"};
    };
    // It can do its work now: for a load balancer or an orchestrator.
    pages["/readyz"] = [gateway](std::string_view) {
      GatewayReadiness readiness = gateway->readiness();
      auto check = [](const GatewayReadiness::Check& c) {
        return platform::Json{{"ok", c.ok}, {"detail", c.detail}};
      };
      platform::Json body{{"ready", readiness.ready()},
                          {"checks",
                           {{"broker", check(readiness.broker)},
                            {"store", check(readiness.store)},
                            {"ledger", check(readiness.ledger)}}}};
      return platform::MetricsEndpoint::Page{readiness.ready() ? 200 : 503, "application/json",
                                             body.dump(-1) + "\n"};
    };
    // The operator's page: the fleet, and one device by its id.
    p.status_page = std::make_unique<StatusPage>(
        *p.state, p.sha,
        p.config.cluster_name.empty() ? p.config.client_id : p.config.cluster_name);
    const StatusPage* page = p.status_page.get();
    const platform::Clock* clock = &p.clock;
    pages["/"] = [page, clock](std::string_view) { return page->fleet(clock->wall_ms()); };
    pages["/device"] = [page, clock](std::string_view query) {
      return page->device(query, clock->wall_ms());
    };
    auto endpoint = platform::MetricsEndpoint::start(
        p.config.metrics_listen, [gateway] { return gateway->metrics_text(); }, std::move(pages));
    if (!endpoint) return failure.set(false, "metrics.listen: " + endpoint.error().message());
    p.metrics = std::move(endpoint).value();
  }
  platform::TransportOptions options;
  options.server_uri = p.config.broker;
  options.more_server_uris = p.config.more_brokers;
  options.client_id = p.config.client_id;
  options.ca_file = p.config.tls_ca_file;
  options.cert_file = p.config.tls_cert_file;
  options.key_file = p.config.tls_key_file;
  options.keep_alive = p.config.keep_alive;
  options.max_outstanding = 65535;                     // receipts for a whole batch at once
  options.max_incoming_bytes = proto::kMaxBlockBytes;  // blocks are all it takes
  if (auto started = p.gateway->start(options); !started)
    return failure.set(false, "broker: " + started.error().message());
  return true;
}

std::string GatewayDaemon::describe() const {
  const Parts& p = *parts_;
  auto devices = p.state->devices();
  std::string store = p.lease ? "PostgreSQL schema " + p.config.postgres_schema +
                                    " (cluster member " + p.lease->name() + ")"
                              : p.config.data_dir.string();
  return std::to_string(devices ? devices->size() : 0) + " enrolled devices, store " + store +
         ", ledger " + p.ledger_name + ", broker " + p.config.broker +
         (p.config.more_brokers.empty()
              ? std::string()
              : " and " + std::to_string(p.config.more_brokers.size()) + " more") +
         ", gateway key: " + p.key_ring->describe(p.clock.wall_ms()) +
         (p.metrics ? ", metrics http://127.0.0.1:" + std::to_string(p.metrics->port()) + "/metrics"
                    : std::string());
}

void GatewayDaemon::publish_checkpoint() {
  Parts& p = *parts_;
  std::uint64_t anchored = p.gateway->counters().batches_anchored;
  if (p.config.checkpoint_file.empty() || !p.local_ledger || anchored == p.checkpointed_batches)
    return;
  p.checkpointed_batches = anchored;
  auto checkpoint = p.local_ledger->checkpoint();
  Status written = checkpoint ? write_atomically(p.config.checkpoint_file, *checkpoint)
                              : Status(std::move(checkpoint).error());
  if (!written) log(LogLevel::kError, "checkpoint: " + written.error().message());
}

// A trusted gateway keys file replaced (a rotation) is read again within
// a second; a bad one keeps the keys before it, and says why once.
void GatewayDaemon::reload_keys() {
  Parts& p = *parts_;
  if (p.key_ring->poll(p.clock.steady(), p.clock.wall_ms()))
    log(LogLevel::kInfo, "trusted gateway keys read: " + p.key_ring->describe(p.clock.wall_ms()));
}

void GatewayDaemon::run(const std::function<bool()>& stop_requested) {
  platform::ServiceNotifier service;
  service.ready();
  while (!stop_requested()) {
    Status stepped = parts_->gateway->step(std::chrono::milliseconds(100));
    if (!stepped) log(LogLevel::kError, stepped.error().message());
    publish_checkpoint();
    reload_keys();
    service.keep_alive();
  }
  service.stopping();
}

bool GatewayDaemon::shutdown(std::chrono::milliseconds drain) {
  Status done = parts_->gateway->shutdown(drain);
  if (!done) log(LogLevel::kError, "shutdown: " + done.error().message() + " (the queue is kept)");
  publish_checkpoint();
  return done.ok();
}

GatewayCounters GatewayDaemon::counters() const {
  return parts_->gateway->counters();
}

}  // namespace vs::gateway
