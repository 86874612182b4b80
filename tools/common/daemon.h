// What both daemons' main() share: exit codes, a stop flag set by SIGTERM
// or SIGINT, and failing with a logged message.
#pragma once

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "vs/platform/log.h"

namespace vs::tools {

enum DaemonExit : int { kOk = 0, kFailed = 1, kUsage = 2, kConfig = 3, kEnvironment = 4 };

inline std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

// After this, SIGTERM and SIGINT only set stop_requested(): the loop ends
// its turn and shuts down cleanly.
inline void stop_on_signals() {
  stop_requested() = false;  // the flag exists before any handler can touch it
  struct sigaction action {};
  action.sa_handler = [](int) { stop_requested() = true; };
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

struct DaemonArguments {
  std::string config_path;
  bool flag = false;  // the daemon's one optional flag was given
};

// --help, --version, --config FILE and one optional flag (under any of
// `flag_names`). The arguments, or the exit code when there is nothing to run.
inline std::optional<int> parse_daemon_arguments(int argc, char** argv, const char* name,
                                                 void (*usage)(std::FILE*),
                                                 std::initializer_list<std::string_view> flag_names,
                                                 DaemonArguments& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    bool is_flag = false;
    for (std::string_view flag : flag_names) is_flag = is_flag || arg == flag;
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return kOk;
    } else if (arg == "--version") {
      std::printf("%s 0.1.0\n", name);
      return kOk;
    } else if (arg == "--config" && i + 1 < argc) {
      out.config_path = argv[++i];
    } else if (is_flag) {
      out.flag = true;
    } else {
      std::fprintf(stderr, "%s: unexpected argument '%s'\n\n", name, argv[i]);
      usage(stderr);
      return kUsage;
    }
  }
  if (!out.config_path.empty()) return std::nullopt;
  usage(stderr);
  return kUsage;
}

inline int fail(int code, const std::string& message) {
  platform::log(platform::LogLevel::kError, message);
  return code;
}

}  // namespace vs::tools
