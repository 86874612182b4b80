#include "vs/platform/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace vs::platform {
namespace {

std::atomic<LogLevel> minimum_level{LogLevel::kInfo};
std::mutex sink_mutex;

const char* label(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

}  // namespace

void set_log_level(LogLevel minimum) {
  minimum_level = minimum;
}

void log(LogLevel level, std::string_view message) {
  if (level < minimum_level.load()) return;
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::lock_guard lock(sink_mutex);
  std::fprintf(stderr, "%s.%03dZ %-7s %.*s\n", stamp, static_cast<int>(millis), label(level),
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace vs::platform
