#include "vs/platform/metrics_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <vector>

namespace vs::platform {
namespace {

constexpr std::size_t kMaxRequestBytes = 8192;
constexpr std::size_t kMaxConnections = 64;
constexpr std::chrono::seconds kConnectionTime{2};

}  // namespace

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::start(std::string_view listen,
                                                                Render render, Pages pages) {
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
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);  // serve() polls
  if (fd < 0) return Error(ErrorCode::kIo, "cannot create a socket", errno);
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 128) != 0) {
    int error = errno;
    ::close(fd);
    return Error(error == EADDRINUSE ? ErrorCode::kConflict : ErrorCode::kIo,
                 error == EADDRINUSE ? "address already in use" : "cannot listen", error)
        .about(std::string(listen));
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return std::unique_ptr<MetricsEndpoint>(
      new MetricsEndpoint(fd, ntohs(address.sin_port), std::move(render), std::move(pages)));
}

MetricsEndpoint::MetricsEndpoint(int listen_fd, std::uint16_t port, Render render, Pages pages)
    : listen_fd_(listen_fd), port_(port), render_(std::move(render)), pages_(std::move(pages)) {
  thread_ = std::thread([this] { serve(); });
}

// "GET <path> HTTP/1.x" (or an HTTP/0.9 "GET <path>"): what that path serves.
MetricsEndpoint::Page MetricsEndpoint::page_for(std::string_view line) const {
  std::string_view path;
  if (line.starts_with("GET ")) {
    path = line.substr(4);
    path = path.substr(0, path.find(' '));
  }
  std::string_view query;
  if (auto mark = path.find('?'); mark != std::string_view::npos) {
    query = path.substr(mark + 1);
    path = path.substr(0, mark);
  }
  if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", render_()};
  if (auto page = pages_.find(path); page != pages_.end()) return page->second(query);
  std::string known = "/metrics";
  for (const auto& [known_path, _] : pages_) known += ", " + known_path;
  return {404, "text/plain; charset=utf-8", "not found: try " + known + "\n"};
}

MetricsEndpoint::~MetricsEndpoint() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void MetricsEndpoint::serve() {
  struct Connection {
    int fd;
    std::chrono::steady_clock::time_point deadline;
    std::string request;
    std::string response;  // non-empty once the request is complete
    std::size_t sent = 0;
  };
  std::vector<Connection> connections;
  auto respond = [this](Connection& connection) {
    std::string_view line =
        std::string_view(connection.request).substr(0, connection.request.find_first_of("\r\n"));
    Page page = page_for(line);
    const char* status = page.status == 200   ? "200 OK"
                         : page.status == 400 ? "400 Bad Request"
                         : page.status == 503 ? "503 Service Unavailable"
                                              : "404 Not Found";
    connection.response = std::string("HTTP/1.0 ") + status +
                          "\r\nContent-Type: " + page.content_type +
                          "\r\nContent-Length: " + std::to_string(page.body.size()) +
                          "\r\nConnection: close\r\n\r\n" + page.body;
  };
  while (!stopping_) {
    std::vector<pollfd> waiting;
    waiting.push_back({listen_fd_, POLLIN, 0});
    for (const Connection& connection : connections) {
      waiting.push_back(
          {connection.fd, static_cast<short>(connection.response.empty() ? POLLIN : POLLOUT), 0});
    }
    if (::poll(waiting.data(), waiting.size(), 100) < 0 && errno != EINTR) continue;
    auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& connection = connections[i];
      short events = waiting[i + 1].revents;
      bool done = now >= connection.deadline || (events & (POLLERR | POLLNVAL)) != 0;
      if (!done && connection.response.empty() && (events & (POLLIN | POLLHUP)) != 0) {
        char buffer[1024];
        ssize_t got = ::recv(connection.fd, buffer, sizeof buffer, 0);
        if (got > 0) connection.request.append(buffer, static_cast<std::size_t>(got));
        bool complete = connection.request.find("\r\n\r\n") != std::string::npos ||
                        connection.request.find("\n\n") != std::string::npos ||
                        connection.request.size() >= kMaxRequestBytes;
        if (complete || got == 0) respond(connection);
        if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) done = true;
      } else if (!done && !connection.response.empty() && (events & POLLOUT) != 0) {
        ssize_t written =
            ::send(connection.fd, connection.response.data() + connection.sent,
                   connection.response.size() - connection.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (written > 0) connection.sent += static_cast<std::size_t>(written);
        done = connection.sent == connection.response.size() ||
               (written < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
      }
      if (done) connection.fd = (::close(connection.fd), -1);
    }
    std::erase_if(connections, [](const Connection& connection) { return connection.fd < 0; });
    if ((waiting[0].revents & POLLIN) == 0) continue;
    for (;;) {
      int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (client < 0) break;
      if (connections.size() >= kMaxConnections) {
        ::close(client);  // full: the oldest ones end within their 2 s
        continue;
      }
      connections.push_back({client, now + kConnectionTime, {}, {}, 0});
    }
  }
  for (const Connection& connection : connections) ::close(connection.fd);
}

}  // namespace vs::platform
