#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "vs/platform/result.h"

namespace vs::platform {

// A minimal HTTP/1.0 responder for Prometheus scrapes: GET /metrics returns
// render() as text/plain (exposition format 0.0.4), anything else 404. One
// request at a time on its own thread; requests are bounded (8 KiB, 2 s) so
// a slow or hostile client cannot hold it. Meant for a local port.
class MetricsEndpoint {
 public:
  using Render = std::function<std::string()>;

  // listen: "host:port" with an IPv4 host; port 0 picks a free one.
  static Result<std::unique_ptr<MetricsEndpoint>> start(std::string_view listen, Render render);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  MetricsEndpoint(int listen_fd, std::uint16_t port, Render render);
  void serve();
  void answer(int client_fd);

  int listen_fd_;
  std::uint16_t port_;
  Render render_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace vs::platform
