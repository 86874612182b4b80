#include "vs/platform/metrics_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace vs::platform {
namespace {

constexpr std::size_t kMaxRequestBytes = 8192;

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t written = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (written <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::start(std::string_view listen,
                                                                Render render) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos)
    return Error(ErrorCode::kInvalidArgument, "must be host:port").about(std::string(listen));
  std::string host(listen.substr(0, colon));
  std::string_view port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto parsed = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (parsed.ec != std::errc() || parsed.ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return Error(ErrorCode::kInvalidArgument, "port must be 0 to 65535").about(std::string(listen));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1)
    return Error(ErrorCode::kInvalidArgument, "host must be an IPv4 address")
        .about(std::string(listen));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(ErrorCode::kIo, "cannot create a socket", errno);
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 16) != 0) {
    int error = errno;
    ::close(fd);
    return Error(error == EADDRINUSE ? ErrorCode::kConflict : ErrorCode::kIo,
                 error == EADDRINUSE ? "address already in use" : "cannot listen", error)
        .about(std::string(listen));
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return std::unique_ptr<MetricsEndpoint>(
      new MetricsEndpoint(fd, ntohs(address.sin_port), std::move(render)));
}

MetricsEndpoint::MetricsEndpoint(int listen_fd, std::uint16_t port, Render render)
    : listen_fd_(listen_fd), port_(port), render_(std::move(render)) {
  thread_ = std::thread([this] { serve(); });
}

MetricsEndpoint::~MetricsEndpoint() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void MetricsEndpoint::serve() {
  while (!stopping_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 200) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval timeout{2, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    answer(client);
    ::close(client);
  }
}

void MetricsEndpoint::answer(int client_fd) {
  std::string request;
  char buffer[1024];
  while (request.find("\r\n\r\n") == std::string::npos &&
         request.find("\n\n") == std::string::npos && request.size() < kMaxRequestBytes) {
    ssize_t got = ::recv(client_fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    request.append(buffer, static_cast<std::size_t>(got));
  }
  std::string_view line = std::string_view(request).substr(0, request.find_first_of("\r\n"));
  bool wanted = line.rfind("GET /metrics ", 0) == 0 || line == "GET /metrics";
  std::string body = wanted ? render_() : "not found: try /metrics\n";
  std::string head = std::string(wanted ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.0 404 Not Found\r\n") +
                     "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n" +
                     "Content-Length: " + std::to_string(body.size()) +
                     "\r\nConnection: close\r\n\r\n";
  write_all(client_fd, head);
  write_all(client_fd, body);
}

}  // namespace vs::platform
