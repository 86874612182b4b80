// What both daemons' main() share: exit codes, a stop flag set by SIGTERM
// or SIGINT, and failing with a logged message.
#pragma once

#include <signal.h>

#include <atomic>
#include <string>

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

inline int fail(int code, const std::string& message) {
  platform::log(platform::LogLevel::kError, message);
  return code;
}

}  // namespace vs::tools
