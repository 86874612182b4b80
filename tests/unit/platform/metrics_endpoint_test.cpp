#include "vs/platform/metrics_endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <vector>

#include "http_get.h"

namespace vs::platform {
namespace {

using vs::testing::http_exchange;

TEST(MetricsEndpoint, ServesTheRenderedTextAtSlashMetricsAndNothingElse) {
  int renders = 0;
  auto endpoint = MetricsEndpoint::start("127.0.0.1:0", [&] {
    ++renders;
    return std::string("vitalsign_blocks_accepted_total 7\n");
  });
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message();
  std::uint16_t port = (*endpoint)->port();
  ASSERT_NE(port, 0);
  std::string ok = http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(ok.find("\r\n\r\nvitalsign_blocks_accepted_total 7\n"), std::string::npos);
  EXPECT_EQ(http_exchange(port, "GET / HTTP/1.1\r\n\r\n").rfind("HTTP/1.0 404", 0), 0u);
  // A client that says nothing and leaves does not stop the next one.
  EXPECT_EQ(http_exchange(port, "").rfind("HTTP/1.0 404", 0), 0u);
  EXPECT_EQ(http_exchange(port, "GET /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 200", 0), 0u);
  EXPECT_EQ(renders, 2);
}

TEST(MetricsEndpoint, OtherPathsServeTheirPagesWithTheirOwnStatus) {
  std::atomic<bool> ready = false;  // read by the endpoint's thread
  MetricsEndpoint::Pages pages;
  pages["/readyz"] = [&](std::string_view) {
    return MetricsEndpoint::Page{ready ? 200 : 503, "application/json",
                                 ready ? "{\"ready\":true}" : "{\"ready\":false}"};
  };
  pages["/device"] = [](std::string_view query) {
    return MetricsEndpoint::Page{query.empty() ? 400 : 200, "text/plain", std::string(query)};
  };
  auto endpoint = MetricsEndpoint::start(
      "127.0.0.1:0", [] { return std::string("up 1\n"); }, std::move(pages));
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message();
  std::uint16_t port = (*endpoint)->port();
  std::string unready = http_exchange(port, "GET /readyz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(unready.rfind("HTTP/1.0 503 Service Unavailable\r\n", 0), 0u) << unready;
  EXPECT_NE(unready.find("Content-Type: application/json\r\n"), std::string::npos) << unready;
  EXPECT_NE(unready.find("\r\n\r\n{\"ready\":false}"), std::string::npos) << unready;
  ready = true;
  EXPECT_EQ(http_exchange(port, "GET /readyz HTTP/1.1\r\n\r\n").rfind("HTTP/1.0 200 OK", 0), 0u);
  // A path that is only a prefix of a page's is not that page.
  std::string other = http_exchange(port, "GET /readyzz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(other.rfind("HTTP/1.0 404", 0), 0u) << other;
  EXPECT_NE(other.find("try /metrics, /device, /readyz"), std::string::npos) << other;
  // The query goes to the page as it came; the path alone picks the page.
  std::string device = http_exchange(port, "GET /device?id=00ff&x=1 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(device.rfind("HTTP/1.0 200 OK", 0), 0u) << device;
  EXPECT_NE(device.find("\r\n\r\nid=00ff&x=1"), std::string::npos) << device;
  std::string bare = http_exchange(port, "GET /device HTTP/1.1\r\n\r\n");
  EXPECT_EQ(bare.rfind("HTTP/1.0 400 Bad Request", 0), 0u) << bare;
}

TEST(MetricsEndpoint, IdleConnectionsDoNotKeepAScrapeOutAndAreDropped) {
  auto endpoint =
      MetricsEndpoint::start("127.0.0.1:0", [] { return std::string("vitalsign_up 1\n"); });
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message();
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons((*endpoint)->port());
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    idle.push_back(fd);
  }
  std::string scraped = http_exchange((*endpoint)->port(), "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(scraped.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << scraped;
  // Answered while all twenty were still open (one at a time, it would have
  // waited out each of them first).
  char byte = 0;
  for (int fd : idle) {
    EXPECT_EQ(::recv(fd, &byte, 1, MSG_DONTWAIT), -1);
    EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
  }
  // And each idle one is then closed by the server, not kept.
  for (int fd : idle) {
    EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);
    ::close(fd);
  }
}

TEST(MetricsEndpoint, BadListenAddressesAreNamed) {
  auto render = [] { return std::string(); };
  auto no_port = MetricsEndpoint::start("127.0.0.1", render);
  ASSERT_FALSE(no_port.ok());
  EXPECT_NE(no_port.error().message().find("host:port"), std::string::npos);
  EXPECT_EQ(MetricsEndpoint::start("localhost:9464", render).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(MetricsEndpoint::start("127.0.0.1:99999", render).error().code(),
            ErrorCode::kInvalidArgument);
  auto first = MetricsEndpoint::start("127.0.0.1:0", render);
  ASSERT_TRUE(first.ok());
  auto taken = MetricsEndpoint::start("127.0.0.1:" + std::to_string((*first)->port()), render);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code(), ErrorCode::kConflict);
}

}  // namespace
}  // namespace vs::platform
