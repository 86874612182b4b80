// A real PostgreSQL 15 server for one test: initdb into the test's own
// directory, started on a free loopback port, stopped (or killed, and
// started again on the same data) by its own process id. Never a system
// service. PostgreSQL refuses to run as root: as root (CI), it runs as the
// `postgres` user the Debian package creates, through setpriv, which execs
// (so the pid is the server's own).
#pragma once

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "child_process.h"
#include "mosquitto_server.h"  // free_port
#include "temp_dir.h"

namespace vs::testing {

class PostgresServer {
 public:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";

  explicit PostgresServer(std::filesystem::path directory)
      : directory_(std::move(directory)), port_(free_port()) {
    std::filesystem::create_directories(directory_);
    if (::geteuid() == 0) {
      if (passwd* user = ::getpwnam("postgres"); user != nullptr) {
        uid_ = user->pw_uid;
        gid_ = user->pw_gid;
        (void)::chown(directory_.c_str(), uid_, gid_);
        // The test's own temporary directory is root's (0700): let the
        // server's user through to its part.
        std::error_code ignored;
        std::filesystem::permissions(directory_.parent_path(), std::filesystem::perms::others_exec,
                                     std::filesystem::perm_options::add, ignored);
      }
    }
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer() { stop(); }

  // initdb on first use, then the server; true once it accepts connections.
  bool start() {
    if (!std::filesystem::exists(data() / "PG_VERSION")) {
      auto made = run_command(as_server_user({std::string(kBin) + "initdb", "-D", data().string(),
                                              "-A", "trust", "-U", "vs", "--no-sync"}));
      if (made.exit_code != 0) {
        init_output_ = made.output;
        return false;
      }
    }
    if (!process_.start(as_server_user({std::string(kBin) + "postgres", "-D", data().string(), "-p",
                                        std::to_string(port_), "-k", directory_.string(), "-c",
                                        "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c",
                                        "max_connections=300"}),
                        (directory_ / "postgres.log").string())) {
      return false;
    }
    for (int i = 0; i < 3000; ++i) {  // crash recovery after a kill takes a moment
      if (run_command({"/usr/bin/pg_isready", "-q", "-h", "127.0.0.1", "-p", std::to_string(port_)})
              .exit_code == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // A fast shutdown (SIGINT): sessions are ended, nothing committed is lost.
  void stop() { process_.kill_and_wait(SIGINT); }
  // A crash: the next start() recovers from the log.
  void kill() { process_.kill_and_wait(SIGKILL); }

  int port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  std::string connection(const std::string& database = "postgres") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=vs dbname=" + database +
           " connect_timeout=5";
  }
  // The same as a URI (what the tools' --store takes).
  std::string uri(const std::string& database = "postgres") const {
    return "postgresql://vs@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  // What initdb said when it failed.
  const std::string& init_output() const { return init_output_; }

 private:
  std::filesystem::path data() const { return directory_ / "data"; }
  std::vector<std::string> as_server_user(std::vector<std::string> argv) const {
    if (uid_ == 0) return argv;
    std::vector<std::string> wrapped{"/usr/bin/setpriv", "--reuid=" + std::to_string(uid_),
                                     "--regid=" + std::to_string(gid_), "--init-groups", "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
  }

  std::filesystem::path directory_;
  int port_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  ChildProcess process_;
  std::string init_output_;
};

// One server for all the tests of a binary, started at first use; a test
// binary that cannot start it stops at once, saying why.
inline PostgresServer& shared_postgres_server() {
  static TempDir dir;
  static PostgresServer server(dir.path() / "postgres");
  static bool started = server.start();
  if (!started) {
    std::fprintf(stderr, "PostgreSQL did not start: %s\n", server.init_output().c_str());
    std::abort();
  }
  return server;
}

}  // namespace vs::testing
