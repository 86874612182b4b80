#include "vs/platform/service_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace vs::platform {

ServiceNotifier::ServiceNotifier() : last_ping_(std::chrono::steady_clock::now()) {
  if (const char* path = std::getenv("NOTIFY_SOCKET")) socket_path_ = path;
  if (const char* usec = std::getenv("WATCHDOG_USEC")) {
    watchdog_interval_ = std::chrono::microseconds(std::strtoull(usec, nullptr, 10));
  }
}

void ServiceNotifier::send(std::string_view state) {
  if (socket_path_.empty() || socket_path_.size() >= sizeof(sockaddr_un::sun_path)) return;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract socket
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
  (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<sockaddr*>(&address), length);
  ::close(fd);
}

void ServiceNotifier::ready() {
  send("READY=1");
}
void ServiceNotifier::stopping() {
  send("STOPPING=1");
}

void ServiceNotifier::keep_alive() {
  if (!watchdog_interval_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ping_ < *watchdog_interval_ / 2) return;
  last_ping_ = now;
  send("WATCHDOG=1");
}

}  // namespace vs::platform
