#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "vs/platform/result.h"

namespace vs::platform {

// A minimal HTTP/1.0 responder for Prometheus scrapes, health probes and a
// status page: GET /metrics returns render() as text/plain (exposition
// format 0.0.4), GET of another path one of `pages` (its own status and
// type, e.g. /healthz and /readyz; a page is given the query after "?",
// raw), anything else 404. One thread serves up to 64 connections at once
// without blocking on any of them (poll, non-blocking sockets); a request is
// bounded (8 KiB) and a connection gets 2 s in all, so idle or slow clients
// cannot keep a scrape out. Meant for a local port.
class MetricsEndpoint {
 public:
  using Render = std::function<std::string()>;
  struct Page {
    int status = 200;  // 200, 400, 404 or 503
    std::string content_type;
    std::string body;
  };
  using Pages =
      std::map<std::string, std::function<Page(std::string_view query)>, std::less<>>;  // by path

  // listen: "host:port" with an IPv4 host; port 0 picks a free one.
  static Result<std::unique_ptr<MetricsEndpoint>> start(std::string_view listen, Render render,
                                                        Pages pages = {});
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  MetricsEndpoint(int listen_fd, std::uint16_t port, Render render, Pages pages);
  Page page_for(std::string_view request_line) const;
  void serve();

  int listen_fd_;
  std::uint16_t port_;
  Render render_;
  Pages pages_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace vs::platform
