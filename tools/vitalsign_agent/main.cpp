// vitalsign-agent: the device daemon. Parses its arguments and the config,
// and runs agent::AgentDaemon (the board the config names, among those
// linked in, the device key, the LMDB chain and the MQTT uplink) until
// SIGTERM or SIGINT.
#include <cstdio>
#include <string>

#include "daemon.h"
#include "vs/agent/agent_daemon.h"
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
      "usage: vitalsign-agent --config FILE [--trace-commits]\n\n"
      "Runs the device agent: readings from the board are signed, committed to the\n"
      "LMDB chain, sealed into blocks and published over MQTT; receipts from the\n"
      "gateway are verified before a block is retired. SIGTERM or SIGINT seals what\n"
      "is pending, flushes and disconnects. See agent/agent.example.toml for every key.\n");
}

}  // namespace

int main(int argc, char** argv) {
  DaemonArguments args;
  if (auto done =
          parse_daemon_arguments(argc, argv, "vitalsign-agent", usage, {"--trace-commits"}, args))
    return *done;
  bool trace_commits = args.flag;
  if (trace_commits) platform::set_log_level(LogLevel::kDebug);
  auto toml = platform::TomlConfig::load(args.config_path);
  if (!toml) return fail(kConfig, "config: " + toml.error().message());
  auto config = agent::AgentConfig::from_toml(*toml);
  if (!config) return fail(kConfig, "config: " + config.error().message());

  agent::StartFailure failure;
  auto daemon = agent::AgentDaemon::open(*config, *toml, failure);
  if (!daemon || !daemon->start(failure))
    return fail(failure.config_at_fault ? kConfig : kEnvironment, failure.message);
  stop_on_signals();
  log(LogLevel::kInfo, "vitalsign-agent: " + daemon->describe());
  // For crash tests: every seq printed was committed before its line was written.
  auto trace = [](std::uint64_t seq) {
    std::printf("committed %llu\n", static_cast<unsigned long long>(seq));
    std::fflush(stdout);
  };
  bool sensor_alive = daemon->run([] { return stop_requested().load(); },
                                  trace_commits ? trace : std::function<void(std::uint64_t)>());
  log(LogLevel::kInfo, "stopping: sealing what is pending and flushing");
  bool drained = daemon->shutdown(std::chrono::seconds(2));
  log(LogLevel::kInfo, "stopped: " + daemon->summary());
  return sensor_alive && drained ? kOk : kFailed;
}
