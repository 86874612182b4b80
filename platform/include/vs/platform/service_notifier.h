#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vs::platform {

// Tells systemd (Type=notify) that the service is ready, alive (watchdog)
// or stopping, through $NOTIFY_SOCKET. Does nothing outside systemd.
class ServiceNotifier {
 public:
  ServiceNotifier();
  void ready();
  void stopping();
  // Pings the watchdog when half its interval has passed since the last ping.
  void keep_alive();
  bool active() const { return !socket_path_.empty(); }

 private:
  void send(std::string_view state);
  std::string socket_path_;
  std::optional<std::chrono::steady_clock::duration> watchdog_interval_;
  std::chrono::steady_clock::time_point last_ping_;
};

}  // namespace vs::platform
