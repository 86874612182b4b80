// vitalsign-agent: the device daemon. Parses its arguments and the config,
// and runs agent::AgentDaemon (the board the config names, among those
// linked in, the device key, the LMDB chain and the MQTT uplink) until
// SIGTERM or SIGINT.
#include <cstdio>
#include <optional>
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

struct Arguments {
  std::string config_path;
  bool trace_commits = false;
};

// The arguments, or the exit code when there is nothing to run.
std::optional<int> parse_arguments(int argc, char** argv, Arguments& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return kOk;
    } else if (arg == "--version") {
      std::printf("vitalsign-agent 0.1.0\n");
      return kOk;
    } else if (arg == "--config" && i + 1 < argc) {
      out.config_path = argv[++i];
    } else if (arg == "--trace-commits") {
      out.trace_commits = true;
    } else {
      std::fprintf(stderr, "vitalsign-agent: unexpected argument '%s'\n\n", argv[i]);
      usage(stderr);
      return kUsage;
    }
  }
  if (!out.config_path.empty()) return std::nullopt;
  usage(stderr);
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (auto done = parse_arguments(argc, argv, args)) return *done;
  if (args.trace_commits) platform::set_log_level(LogLevel::kDebug);
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
  bool sensor_alive =
      daemon->run([] { return stop_requested().load(); },
                  args.trace_commits ? trace : std::function<void(std::uint64_t)>());
  log(LogLevel::kInfo, "stopping: sealing what is pending and flushing");
  bool drained = daemon->shutdown(std::chrono::seconds(2));
  log(LogLevel::kInfo, "stopped: " + daemon->summary());
  return sensor_alive && drained ? kOk : kFailed;
}
