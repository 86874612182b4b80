// Bad configs against the real daemons: each is refused at start with the
// config exit code (3) and a message naming the file and the reason; a TLS
// file that is missing is an environment failure (4) naming the file; a
// broker that cannot be reached is said once, not retried in silence.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "mosquitto_server.h"
#include "temp_dir.h"
#include "test_files.h"

namespace vs::testing {
namespace {

constexpr int kConfigExit = 3;
constexpr int kEnvironmentExit = 4;

class BadConfig : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }
  // The agent's config up to the board table, with a key made for it.
  std::string agent_base() {
    if (!std::filesystem::exists(dir_.path() / "keys" / "device.key.pem")) {
      auto made =
          run_command({VS_VITALSIGN_BINARY, "keygen", "--dir", (dir_.path() / "keys").string()});
      EXPECT_EQ(made.exit_code, 0) << made.output;
    }
    return "board = \"sim\"\n[store]\ndata_dir = \"" + (dir_.path() / "data").string() +
           "\"\n[sim]\nkey_dir = \"" + (dir_.path() / "keys").string() + "\"\n";
  }
  TempDir dir_;
};

TEST_F(BadConfig, EachDaemonRefusesAConfigThatIsNoConfigNamingTheFile) {
  std::string big = write("big.toml", "# padding\n" + std::string(1024 * 1024, '#') + "\n");
  std::string empty = write("empty.toml", "");
  std::string only_comments = write("comments.toml", "# nothing here\n\n");
  struct Case {
    std::string path;
    std::string reason;
  };
  const Case cases[] = {{empty, "holds no settings"},
                        {only_comments, "holds no settings"},
                        {dir_.path().string(), "is not a regular file"},
                        {"/dev/zero", "is not a regular file"},
                        {big, "larger than 1 MiB"},
                        {(dir_.path() / "absent.toml").string(), "cannot read the config file"}};
  for (const char* daemon : {VS_AGENT_BINARY, VS_GATEWAY_BINARY}) {
    for (const Case& bad : cases) {
      auto result = run_command({daemon, "--config", bad.path});
      EXPECT_EQ(result.exit_code, kConfigExit)
          << daemon << " " << bad.path << ": " << result.output;
      EXPECT_NE(result.output.find(bad.reason), std::string::npos) << result.output;
      EXPECT_NE(result.output.find(bad.path), std::string::npos) << result.output;
    }
  }
}

TEST_F(BadConfig, ABoardKeyTypoOrANonFiniteNumberIsRefusedByName) {
  struct Case {
    std::string extra;
    std::string message;
  };
  const Case cases[] = {
      {"sped = 50\n", "sim.sped: unknown key (a typo?)"},
      {"speed = nan\n", "sim.speed: expected a finite number"},
      {"speed = inf\n", "sim.speed: expected a finite number"},
      {"speed = -inf\n", "sim.speed: expected a finite number"},
  };
  for (const Case& bad : cases) {
    std::string path = write("agent.toml", agent_base() + bad.extra);
    auto result = run_command({VS_AGENT_BINARY, "--config", path});
    EXPECT_EQ(result.exit_code, kConfigExit) << bad.extra << result.output;
    EXPECT_NE(result.output.find(bad.message), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("agent.toml:"), std::string::npos) << result.output;
  }
  std::string other_board = write("agent.toml", agent_base() + "[replay]\nfile = \"x.csv\"\n");
  auto result = run_command({VS_AGENT_BINARY, "--config", other_board});
  EXPECT_EQ(result.exit_code, kConfigExit) << result.output;
  EXPECT_NE(result.output.find("replay.file: unknown key"), std::string::npos) << result.output;
}

TEST_F(BadConfig, AMissingTlsFileIsNamedAtStart) {
  std::string missing = (dir_.path() / "no-such-ca.pem").string();
  std::string path =
      write("agent.toml", agent_base() + "[mqtt]\nbroker = \"ssl://127.0.0.1:" +
                              std::to_string(free_port()) + "\"\nca_file = \"" + missing + "\"\n");
  auto result = run_command({VS_AGENT_BINARY, "--config", path});
  EXPECT_EQ(result.exit_code, kEnvironmentExit) << result.output;
  EXPECT_NE(result.output.find(missing + ": TLS file is missing"), std::string::npos)
      << result.output;
}

TEST_F(BadConfig, AnUnreachableBrokerIsSaidOnceWhileTheAgentKeepsRecording) {
  std::string broker = "tcp://127.0.0.1:" + std::to_string(free_port());
  std::string path =
      write("agent.toml", agent_base() + "speed = 20\n[mqtt]\nbroker = \"" + broker + "\"\n");
  std::string log = (dir_.path() / "agent.log").string();
  ChildProcess agent;
  ASSERT_TRUE(agent.start({VS_AGENT_BINARY, "--config", path}, log));
  std::this_thread::sleep_for(std::chrono::seconds(4));  // several connect attempts
  ASSERT_TRUE(agent.running()) << read_file(log);
  int status = agent.kill_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(log);
  std::string text = read_file(log);
  EXPECT_EQ(count_occurrences(text, "broker " + broker + ": cannot connect:"), 1u) << text;
  EXPECT_NE(text.find("sealed block"), std::string::npos) << text;  // readings go on
}

TEST_F(BadConfig, ABrokerCertificateForAnotherNameIsSaidOnceWithTheTlsReason) {
  // A PKI whose broker certificate names another host than 127.0.0.1.
  std::filesystem::path pki = dir_.path() / "pki";
  auto made = run_command({"/bin/bash", VS_TEST_PKI_SCRIPT, pki.string(), "device"});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto reissued = run_command(
      {"/bin/bash", "-c",
       "cd '" + pki.string() +
           "' && openssl req -new -key server.key -subj /CN=broker.elsewhere -out s.csr && "
           "printf 'subjectAltName=DNS:broker.elsewhere\\n' > s.ext && "
           "openssl x509 -req -in s.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
           "-sha256 -extfile s.ext -out server.crt"});
  ASSERT_EQ(reissued.exit_code, 0) << reissued.output;
  MosquittoServer broker(dir_.path() / "broker", MosquittoOptions{pki});
  ASSERT_TRUE(broker.start()) << broker.log();
  std::string path =
      write("agent.toml", agent_base() + "[mqtt]\nbroker = \"" + broker.tls_uri() +
                              "\"\nca_file = \"" + (pki / "ca.crt").string() +
                              "\"\ncert_file = \"" + (pki / "device.crt").string() +
                              "\"\nkey_file = \"" + (pki / "device.key").string() + "\"\n");
  std::string log = (dir_.path() / "agent.log").string();
  ChildProcess agent;
  ASSERT_TRUE(agent.start({VS_AGENT_BINARY, "--config", path}, log));
  std::this_thread::sleep_for(std::chrono::seconds(4));
  ASSERT_TRUE(agent.running()) << read_file(log);
  agent.kill_and_wait(SIGTERM);
  std::string text = read_file(log);
  EXPECT_EQ(count_occurrences(text, ": cannot connect:"), 1u) << text;
  EXPECT_NE(text.find("(TLS: "), std::string::npos) << text;
  EXPECT_NE(text.find((pki / "ca.crt").string()), std::string::npos) << text;
}

}  // namespace
}  // namespace vs::testing
