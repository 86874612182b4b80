// vitalsign-gateway: verifies every device's chain, anchors batch roots on
// the ledger and sends receipts. Parses its arguments and the config, and
// runs gateway::GatewayDaemon until SIGTERM or SIGINT.
#include <cstdio>
#include <string>

#include "daemon.h"
#include "vs/gateway/gateway_daemon.h"
#include "vs/platform/log.h"
#include "vs/platform/toml_config.h"

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

}  // namespace

int main(int argc, char** argv) {
  DaemonArguments args;
  if (auto done =
          parse_daemon_arguments(argc, argv, "vitalsign-gateway", usage, {"--verbose", "-v"}, args))
    return *done;
  if (args.flag) platform::set_log_level(LogLevel::kDebug);
  auto toml = platform::TomlConfig::load(args.config_path);
  if (!toml) return fail(kConfig, "config: " + toml.error().message());
  auto config = gateway::GatewayConfig::from_toml(*toml);
  if (!config) return fail(kConfig, "config: " + config.error().message());

  gateway::StartFailure failure;
  auto daemon = gateway::GatewayDaemon::open(*config, failure);
  if (!daemon || !daemon->start(failure))
    return fail(failure.config_at_fault ? kConfig : kEnvironment, failure.message);
  stop_on_signals();
  log(LogLevel::kInfo, "vitalsign-gateway: " + daemon->describe());
  daemon->run([] { return stop_requested().load(); });
  log(LogLevel::kInfo, "stopping: anchoring what is queued");
  int exit_code = daemon->shutdown(std::chrono::seconds(2)) ? kOk : kFailed;
  auto counters = daemon->counters();
  log(LogLevel::kInfo, "stopped: " + std::to_string(counters.blocks_accepted) +
                           " blocks accepted, " + std::to_string(counters.batches_anchored) +
                           " batches anchored, " + std::to_string(counters.receipts_published) +
                           " receipts sent");
  return exit_code;
}
