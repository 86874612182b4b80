// vitalsign-agent: the device daemon. Wires a board (chosen by the config's
// `board` key among those built in), the device key, the LMDB chain and the
// MQTT uplink to the agent loop; stops cleanly on SIGTERM or SIGINT.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "vs/agent/agent.h"
#include "vs/agent/agent_store.h"
#include "vs/agent/board.h"
#include "vs/agent/event_inbox_sensor.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/log.h"
#include "vs/platform/mbedtls_random.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/paho_transport.h"
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
      "usage: vitalsign-agent --config FILE [--trace-commits]\n\n"
      "Runs the device agent: readings from the board are signed, committed to the\n"
      "LMDB chain, sealed into blocks and published over MQTT; receipts from the\n"
      "gateway are verified before a block is retired. SIGTERM or SIGINT seals what\n"
      "is pending, flushes and disconnects. See agent/agent.example.toml for every key.\n");
}

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

int main(int argc, char** argv) {
  std::string config_path;
  bool trace_commits = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return kOk;
    } else if (arg == "--version") {
      std::printf("vitalsign-agent 0.1.0\n");
      return kOk;
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--trace-commits") {
      trace_commits = true;
    } else {
      std::fprintf(stderr, "vitalsign-agent: unexpected argument '%s'\n\n", argv[i]);
      usage(stderr);
      return kUsage;
    }
  }
  if (config_path.empty()) {
    usage(stderr);
    return kUsage;
  }
  if (trace_commits) platform::set_log_level(LogLevel::kDebug);

  auto toml = platform::TomlConfig::load(config_path);
  if (!toml) return fail(kConfig, "config: " + toml.error().message());
  auto config = agent::AgentConfig::from_toml(*toml);
  if (!config) return fail(kConfig, "config: " + config.error().message());

  platform::SystemClock clock;
  auto factory = agent::BoardRegistry::find(config->board);
  if (!factory) {
    std::string names;
    for (const auto& name : agent::BoardRegistry::names())
      names += (names.empty() ? "" : ", ") + name;
    return fail(kConfig, "config: board = \"" + config->board +
                             "\": no such board (built in: " + names + ")");
  }
  auto board = (*factory)(*toml, clock);
  if (!board) return fail(kConfig, "board: " + board.error().message());
  auto signer = board->keys->load(config->key_name);
  if (!signer) {
    return fail(kEnvironment, "device key: " + signer.error().message() +
                                  (signer.error().code() == ErrorCode::kNotFound
                                       ? " (create one with: vitalsign keygen --dir DIR --name " +
                                             config->key_name + ")"
                                       : ""));
  }

  auto store = agent::open_agent_store({config->data_dir, false, config->store_max_bytes,
                                        config->group_commit ? platform::Durability::kGroupCommit
                                                             : platform::Durability::kEveryCommit});
  if (!store) return fail(kEnvironment, "store: " + store.error().message());
  if ((*store)->stale_readers_cleared() > 0) {
    log(LogLevel::kInfo,
        "cleared " + std::to_string((*store)->stale_readers_cleared()) + " stale LMDB readers");
  }
  platform::MbedtlsSha256 sha;
  platform::MbedtlsRandom random;
  auto chain = agent::DeviceChain::open(**store, **signer, sha, random);
  if (!chain) return fail(kEnvironment, "store: " + chain.error().message());

  std::unique_ptr<platform::Verifier> gateway_key;
  std::unique_ptr<chain::ReceiptVerifier> receipts;
  Bytes gateway_der;
  if (!config->gateway_public_key.empty()) {
    auto der = read_pem_public_key(config->gateway_public_key);
    if (!der) return fail(kConfig, "gateway.public_key: " + der.error().message());
    gateway_der = *der;
    auto verifier = platform::MbedtlsVerifierFactory().make_verifier(gateway_der);
    if (!verifier) return fail(kConfig, "gateway.public_key: " + verifier.error().message());
    gateway_key = std::move(verifier).value();
    receipts = std::make_unique<chain::ReceiptVerifier>(sha, *gateway_key, gateway_der);
  } else if (!config->broker.empty()) {
    log(LogLevel::kWarning,
        "no gateway.public_key: receipts cannot be verified, so no block will be retired");
  }

  std::unique_ptr<platform::PahoTransport> transport;
  if (!config->broker.empty()) transport = std::make_unique<platform::PahoTransport>();
  // Consent and enrolment events from the device's local inbox join the board's readings.
  std::unique_ptr<agent::EventInboxSensor> inbox;
  agent::Sensor* sensor = board->sensor.get();
  if (!config->inbox_dir.empty()) {
    inbox = std::make_unique<agent::EventInboxSensor>(*sensor, config->inbox_dir);
    sensor = inbox.get();
  }
  agent::Agent agent(*config, **chain, **store, *sensor, transport.get(), clock, sha,
                     receipts.get());
  platform::TransportOptions transport_options;
  transport_options.server_uri = config->broker;
  transport_options.client_id = "vs-agent-" + (*chain)->device_id().hex();
  transport_options.ca_file = config->tls_ca_file;
  transport_options.cert_file = config->tls_cert_file;
  transport_options.key_file = config->tls_key_file;
  transport_options.keep_alive = config->keep_alive;
  transport_options.max_incoming_bytes = proto::kMaxAgentInboundBytes;
  if (auto started = agent.start(transport_options); !started) {
    return fail(kEnvironment, "uplink: " + started.error().message());
  }

  stop_on_signals();

  log(LogLevel::kInfo, "vitalsign-agent: device " + (*chain)->device_id().hex() + ", board " +
                           config->board + ", store " + config->data_dir.string() + ", next seq " +
                           std::to_string((*chain)->next_seq()) + ", uplink " +
                           (config->broker.empty() ? std::string("off") : config->broker));
  platform::ServiceNotifier service;
  service.ready();
  std::uint64_t traced = (*chain)->next_seq();
  int exit_code = kOk;
  while (!stop_requested()) {
    Status stepped = agent.step(std::chrono::milliseconds(100));
    if (!stepped) {
      log(LogLevel::kError, stepped.error().message());
      if (stepped.error().code() == ErrorCode::kUnavailable) {
        exit_code = kFailed;  // the sensor is gone for good
        break;
      }
    }
    if (trace_commits) {
      // For crash tests: every seq reported here was committed before the line was written.
      for (; traced < (*chain)->next_seq(); ++traced)
        std::printf("committed %llu\n", static_cast<unsigned long long>(traced));
      std::fflush(stdout);
    }
    service.keep_alive();
  }
  service.stopping();
  log(LogLevel::kInfo, "stopping: sealing what is pending and flushing");
  if (Status done = agent.shutdown(std::chrono::seconds(2)); !done) {
    log(LogLevel::kError, "shutdown: " + done.error().message());
    exit_code = kFailed;
  }
  const auto& counters = agent.counters();
  log(LogLevel::kInfo, "stopped: " + std::to_string(counters.readings_recorded) + " readings, " +
                           std::to_string(counters.blocks_sealed) + " blocks sealed, " +
                           std::to_string(counters.blocks_published) + " published, " +
                           std::to_string(counters.receipts_accepted) + " receipts; sensor: " +
                           std::to_string(sensor->counters().malformed_frames) + " bad frames, " +
                           std::to_string(sensor->counters().reconnects) + " reconnects");
  return exit_code;
}
