#include "vs/agent/agent_daemon.h"

#include <fstream>
#include <sstream>

#include "vs/agent/agent_store.h"
#include "vs/agent/board.h"
#include "vs/agent/event_inbox_sensor.h"
#include "vs/platform/log.h"
#include "vs/platform/mbedtls_random.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/paho_transport.h"
#include "vs/platform/service_notifier.h"
#include "vs/platform/watched_file.h"
#include "vs/proto/limits.h"

namespace vs::agent {
namespace {

using platform::log;
using platform::LogLevel;

Result<Bytes> read_pem_public_key(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    return Error(ErrorCode::kNotFound, "cannot read the gateway public key").about(path.string());
  std::stringstream text;
  text << in.rdbuf();
  auto der = platform::MbedtlsVerifierFactory::der_from_pem(text.str());
  if (!der) return std::move(der).error().about(path.string());
  return der;
}

}  // namespace

// Declared in the order they are built: each refers to those before it.
struct AgentDaemon::Parts {
  explicit Parts(const AgentConfig& config_in) : config(config_in) {}

  AgentConfig config;
  platform::SystemClock clock;
  Board board;
  std::unique_ptr<platform::Signer> key;
  std::unique_ptr<platform::LmdbStore> store;
  platform::MbedtlsSha256 sha;
  platform::MbedtlsRandom random;
  std::unique_ptr<DeviceChain> chain;
  platform::MbedtlsVerifierFactory verifiers;
  chain::GatewayKeySet gateway_keys;  // replaced in place when its file is
  std::optional<platform::WatchedFile> gateway_keys_file;
  std::unique_ptr<chain::ReceiptVerifier> receipts;
  std::unique_ptr<platform::PahoTransport> transport;
  std::unique_ptr<EventInboxSensor> inbox;
  Sensor* sensor = nullptr;
  std::unique_ptr<Agent> agent;

  bool open_board(const platform::TomlConfig& toml, StartFailure& failure) {
    auto factory = BoardRegistry::find(config.board);
    if (!factory) {
      std::string names;
      for (const auto& name : BoardRegistry::names()) names += (names.empty() ? "" : ", ") + name;
      return failure.set(true, "config: board = \"" + config.board +
                                   "\": no such board (built in: " + names + ")");
    }
    auto made = (*factory)(toml, clock);
    if (!made) return failure.set(true, "board: " + made.error().message());
    board = std::move(made).value();
    return true;
  }

  // The device key: keys.name, or the key a rotation moved the chain to.
  bool open_key(StartFailure& failure) {
    auto snapshot = DeviceChain::inspect(*store);
    if (!snapshot) return failure.set(false, "store: " + snapshot.error().message());
    std::string name = snapshot->key_name.empty() ? config.key_name : snapshot->key_name;
    auto signer = board.keys->load(name);
    if (!signer) {
      return failure.set(false, "device key '" + name + "': " + signer.error().message() +
                                    (snapshot->key_name.empty()
                                         ? (signer.error().code() == ErrorCode::kNotFound
                                                ? " (create one with: vitalsign keygen --dir DIR "
                                                  "--name " +
                                                      name + ")"
                                                : "")
                                         : " (the chain was rotated to this key)"));
    }
    key = std::move(signer).value();
    return true;
  }

  bool open_chain(StartFailure& failure) {
    // Every commit is durable in both modes: "group" commits less often
    // (the agent holds the window's readings), never unsynced, so a power
    // cut cannot damage the store.
    auto opened = open_agent_store(
        {config.data_dir, false, config.store_max_bytes, platform::Durability::kEveryCommit});
    if (!opened) return failure.set(false, "store: " + opened.error().message());
    store = std::move(opened).value();
    if (store->stale_readers_cleared() > 0) {
      log(LogLevel::kInfo,
          "cleared " + std::to_string(store->stale_readers_cleared()) + " stale LMDB readers");
    }
    if (!open_key(failure)) return false;
    auto device_chain = DeviceChain::open(*store, *key, sha, random);
    if (!device_chain) return failure.set(false, "store: " + device_chain.error().message());
    chain = std::move(device_chain).value();
    return true;
  }

  bool open_receipts(StartFailure& failure) {
    if (!config.gateway_trusted_keys.empty()) {
      gateway_keys_file.emplace(config.gateway_trusted_keys, chain::GatewayKeySet::kMaxTextBytes);
      auto text = gateway_keys_file->read_if_changed();
      Status read = text ? take_gateway_keys(**text) : Status(std::move(text).error());
      if (!read) return failure.set(true, "gateway.trusted_keys: " + read.error().message());
      receipts = std::make_unique<chain::ReceiptVerifier>(sha, gateway_keys);
      log(LogLevel::kInfo, "trusted gateway keys: " + describe_gateway_keys());
      return true;
    }
    if (config.gateway_public_key.empty()) {
      if (!config.broker.empty())
        log(LogLevel::kWarning,
            "no gateway.public_key: receipts cannot be verified, so no block will be retired");
      return true;
    }
    auto der = read_pem_public_key(config.gateway_public_key);
    if (!der) return failure.set(true, "gateway.public_key: " + der.error().message());
    auto keys = chain::GatewayKeySet::one(sha, verifiers, *der);
    if (!keys) return failure.set(true, "gateway.public_key: " + keys.error().message());
    gateway_keys = std::move(keys).value();
    receipts = std::make_unique<chain::ReceiptVerifier>(sha, gateway_keys);
    return true;
  }

  // The trusted gateway keys file's text; an error keeps the keys before it.
  Status take_gateway_keys(const std::string& text) {
    VS_TRY_ASSIGN(gateway_keys, chain::GatewayKeySet::parse(sha, verifiers, text));
    return {};
  }

  std::string describe_gateway_keys() const {
    std::string out;
    for (const chain::GatewayKey& trusted : gateway_keys.keys())
      out += (out.empty() ? "" : ", ") + trusted.describe();
    return out;
  }

  // A gateway that rotates its key: its file, replaced by the operator, is
  // read again within a second; receipts of a key not yet known wait
  // unretired until then.
  void reload_gateway_keys() {
    if (gateway_keys_file &&
        gateway_keys_file->poll(
            clock.steady(), [this](const std::string& text) { return take_gateway_keys(text); }))
      log(LogLevel::kInfo, "trusted gateway keys read again: " + describe_gateway_keys());
  }
};

AgentDaemon::AgentDaemon(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
AgentDaemon::~AgentDaemon() = default;

std::unique_ptr<AgentDaemon> AgentDaemon::open(const AgentConfig& config,
                                               const platform::TomlConfig& toml,
                                               StartFailure& failure) {
  auto parts = std::make_unique<Parts>(config);
  Parts& p = *parts;
  if (!p.open_board(toml, failure) || !p.open_chain(failure) || !p.open_receipts(failure))
    return nullptr;
  if (!config.broker.empty()) p.transport = std::make_unique<platform::PahoTransport>();
  // Consent and enrolment events from the device's local inbox join the board's readings.
  p.sensor = p.board.sensor.get();
  if (!config.inbox_dir.empty()) {
    p.inbox = std::make_unique<EventInboxSensor>(*p.sensor, config.inbox_dir);
    p.sensor = p.inbox.get();
  }
  p.agent = std::make_unique<Agent>(p.config, *p.chain, *p.store, *p.sensor, p.transport.get(),
                                    p.clock, p.sha, p.receipts.get());
  p.agent->set_key_loader(
      [&board = p.board](std::string_view name) { return board.keys->load(name); });
  return std::unique_ptr<AgentDaemon>(new AgentDaemon(std::move(parts)));
}

bool AgentDaemon::start(StartFailure& failure) {
  Parts& p = *parts_;
  platform::TransportOptions options;
  options.server_uri = p.config.broker;
  options.more_server_uris = p.config.more_brokers;  // failed over to, in turn
  options.client_id = "vs-agent-" + p.chain->device_id().hex();
  options.ca_file = p.config.tls_ca_file;
  options.cert_file = p.config.tls_cert_file;
  options.key_file = p.config.tls_key_file;
  options.keep_alive = p.config.keep_alive;
  options.max_incoming_bytes = proto::kMaxAgentInboundBytes;
  if (auto started = p.agent->start(options); !started)
    return failure.set(false, "uplink: " + started.error().message());
  return true;
}

std::string AgentDaemon::describe() const {
  const Parts& p = *parts_;
  return "device " + p.chain->device_id().hex() + ", board " + p.config.board + ", store " +
         p.config.data_dir.string() + ", next seq " + std::to_string(p.chain->next_seq()) +
         ", uplink " + (p.config.broker.empty() ? std::string("off") : p.config.broker) +
         (p.config.more_brokers.empty()
              ? std::string()
              : " (then " + std::to_string(p.config.more_brokers.size()) + " more)");
}

bool AgentDaemon::run(const std::function<bool()>& stop_requested,
                      const std::function<void(std::uint64_t seq)>& on_committed) {
  Parts& p = *parts_;
  platform::ServiceNotifier service;
  service.ready();
  std::uint64_t reported = p.chain->next_seq();
  bool sensor_alive = true;
  while (!stop_requested()) {
    Status stepped = p.agent->step(std::chrono::milliseconds(100));
    if (!stepped) {
      log(LogLevel::kError, stepped.error().message());
      if (stepped.error().code() == ErrorCode::kUnavailable) {
        sensor_alive = false;  // the sensor is gone for good
        break;
      }
    }
    if (on_committed)
      for (; reported < p.chain->next_seq(); ++reported) on_committed(reported);
    p.reload_gateway_keys();
    service.keep_alive();
  }
  service.stopping();
  return sensor_alive;
}

bool AgentDaemon::shutdown(std::chrono::milliseconds drain) {
  Status done = parts_->agent->shutdown(drain);
  if (!done) log(LogLevel::kError, "shutdown: " + done.error().message());
  return done.ok();
}

std::string AgentDaemon::summary() const {
  const Parts& p = *parts_;
  const auto& counters = p.agent->counters();
  return std::to_string(counters.readings_recorded) + " readings, " +
         std::to_string(counters.blocks_sealed) + " blocks sealed, " +
         std::to_string(counters.blocks_published) + " published, " +
         std::to_string(counters.receipts_accepted) +
         " receipts; sensor: " + std::to_string(p.sensor->counters().malformed_frames) +
         " bad frames, " + std::to_string(p.sensor->counters().reconnects) + " reconnects";
}

}  // namespace vs::agent
