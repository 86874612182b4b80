#include "vs/platform/log_throttle.h"

namespace vs::platform {

void LogThrottle::log(LogLevel level, std::string_view key, std::string_view message,
                      std::chrono::steady_clock::time_point now) {
  std::string summary;
  bool say = false;
  {
    std::lock_guard lock(mutex_);
    auto found = kinds_.find(key);
    if (found == kinds_.end()) found = kinds_.emplace(std::string(key), Kind{now, 0, 0}).first;
    Kind& kind = found->second;
    if (now - kind.window_start >= window_) {
      if (kind.held_back > 0) {
        summary = std::string(key) + ": " + std::to_string(kind.held_back) +
                  " more like it were not logged in the window before this one";
      }
      kind = Kind{now, 0, 0};
    }
    say = kind.logged < lines_per_window_;
    if (say) {
      ++kind.logged;
    } else {
      ++kind.held_back;
    }
  }
  if (!summary.empty()) platform::log(level, summary);
  if (say) platform::log(level, message);
}

}  // namespace vs::platform
