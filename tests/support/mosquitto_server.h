// A real Mosquitto broker for one test: started on 127.0.0.1 with free ports
// and a generated config, stopped (or restarted) by its own process id.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "child_process.h"

namespace vs::testing {

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

inline bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return open;
}

struct MosquittoOptions {
  // With a PKI directory (ca.crt, server.crt, server.key), a second listener
  // is the shipped production one (gateway/broker/): client certificates
  // required, the CN as user name and client id, and the shipped ACL: a
  // device writes and reads only under its own id.
  std::filesystem::path pki;
  std::string topic_prefix = "vs/v1";
  std::string gateway_identity = "gateway";  // the gateway certificate's CN
  // Past this many queued QoS 1 messages per client the broker drops more
  // (a slow-subscriber test lowers it to make the drops happen).
  int max_queued_messages = 100000;
  int max_inflight_messages = 100;
};

class MosquittoServer {
 public:
  MosquittoServer(std::filesystem::path directory, MosquittoOptions options)
      : directory_(std::move(directory)), options_(std::move(options)), port_(free_port()) {
    if (!options_.pki.empty()) tls_port_ = free_port();
    write_config();
  }

  bool start() {
    if (!process_.start({"/usr/sbin/mosquitto", "-c", (directory_ / "mosquitto.conf").string()},
                        (directory_ / "mosquitto.log").string())) {
      return false;
    }
    for (int i = 0; i < 500; ++i) {
      if (port_open(port_) && (tls_port_ == 0 || port_open(tls_port_))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void stop() { process_.kill_and_wait(SIGTERM); }

  int port() const { return port_; }
  int tls_port() const { return tls_port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  std::string tls_uri() const { return "ssl://127.0.0.1:" + std::to_string(tls_port_); }
  std::string log() const {
    std::ifstream in(directory_ / "mosquitto.log");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  void write_config() {
    std::filesystem::create_directories(directory_);
    std::ofstream conf(directory_ / "mosquitto.conf");
    conf << "per_listener_settings true\n"
         << "user root\n"  // stay the test's user when run as root (it owns the files)
         << "persistence false\n"
         << "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n"
         // A slow subscriber must not lose QoS 1 messages (stack.md, pitfall 8).
         << "max_queued_messages " << options_.max_queued_messages << "\nmax_inflight_messages "
         << options_.max_inflight_messages << "\nset_tcp_nodelay true\n"
         << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\n";
    if (!options_.pki.empty()) {
      // The listener part of the shipped production config, as it ships,
      // with this test's port, PKI, ACL path, gateway identity and prefix.
      std::string shipped =
          read_text(std::filesystem::path(VS_BROKER_CONFIG_DIR) / "mosquitto.conf");
      std::string listener = shipped.substr(shipped.find("\nlistener ") + 1);
      replace_all(listener, "listener 8883",
                  "listener " + std::to_string(tls_port_) + " 127.0.0.1");
      replace_all(listener, "/etc/vitalsign/broker/acl", (directory_ / "acl").string());
      replace_all(listener, "/etc/vitalsign/broker/", (options_.pki / "").string());
      conf << listener
           << "allow_anonymous false\n";  // per listener here: the test's plain one stays
      std::string acl = read_text(std::filesystem::path(VS_BROKER_CONFIG_DIR) / "acl");
      replace_all(acl, "user vitalsign-gateway", "user " + options_.gateway_identity);
      replace_all(acl, " vs/v1/", " " + options_.topic_prefix + "/");
      std::ofstream(directory_ / "acl") << acl;
    }
  }

  static std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  static void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  }

  std::filesystem::path directory_;
  MosquittoOptions options_;
  int port_ = 0;
  int tls_port_ = 0;
  ChildProcess process_;
};

}  // namespace vs::testing
