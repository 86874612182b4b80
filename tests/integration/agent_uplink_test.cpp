// The real agent against a real Mosquitto: blocks flow in order, survive a
// broker restart mid-stream, and are retired only by receipts that verify;
// over mutual TLS the broker's ACL keeps a device to its own topics.
#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include "child_process.h"
#include "connect_and_wait.h"
#include "mosquitto_server.h"
#include "suite_report.h"
#include "temp_dir.h"
#include "test_files.h"
#include "test_gateway.h"
#include "vs/agent/chain_audit.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"

namespace vs::agent {
namespace {

using namespace std::chrono_literals;

class AgentUplinkTest : public ::testing::Test {
 protected:
  AgentUplinkTest() : keys_(dir_.path() / "keys") {
    auto signer = keys_.create("device").value();
    device_key_.assign(signer->public_key().begin(), signer->public_key().end());
    device_hex_ = chain::DeviceId::from_public_key(sha_, device_key_).hex();
    std::ofstream(dir_.path() / "gateway.pub.pem") << gateway_.public_key_pem();
    gateway_.enrol(device_key_);
  }

  void write_config(const std::string& broker, const std::string& tls_lines = "") {
    std::ofstream config(dir_.path() / "agent.toml");
    config << "board = \"sim\"\n"
           << "[store]\ndata_dir = \"" << (dir_.path() / "data").string() << "\"\n"
           << "[seal]\nmax_entries = 8\nmax_age_ms = 200\n"
           << "[mqtt]\nbroker = \"" << broker << "\"\n"
           << tls_lines << "[gateway]\npublic_key = \""
           << (dir_.path() / "gateway.pub.pem").string() << "\"\n"
           << "[sim]\nspeed = 20\nwaveform = \"none\"\nkey_dir = \""
           << (dir_.path() / "keys").string() << "\"\n";
  }

  bool start_agent(vs::testing::ChildProcess& agent) {
    return agent.start({VS_AGENT_BINARY, "--config", (dir_.path() / "agent.toml").string()},
                       (dir_.path() / "agent.log").string());
  }

  // The agent's store as it is now, after checking that its chain verifies.
  Result<ChainSnapshot> snapshot() {
    platform::LmdbStoreOptions options;
    options.directory = dir_.path() / "data";
    options.tables = kAgentTableNames;
    options.read_only = true;
    VS_TRY_ASSIGN(auto store, platform::LmdbStore::open(options));
    platform::OpensslVerifierFactory verifiers;
    VS_TRY_ASSIGN(auto report, audit_chain(*store, sha_, verifiers));
    if (report.failure) return *report.failure;
    VS_TRY_ASSIGN(auto view, store->snapshot());
    return DeviceChain::inspect(*view);
  }

  std::string agent_log() {
    std::ifstream in(dir_.path() / "agent.log");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Waits until every block up to `height` has a verified receipt. (The agent
  // keeps sealing meanwhile, so "all retired" would be a moving target.)
  bool wait_retired_through(std::uint64_t height, std::chrono::seconds deadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      auto now = snapshot();  // not there yet while the agent starts
      if (now && now->retired_below > height) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // A test PKI (this device, "gateway", "other-device"), the shipped broker
  // config over mutual TLS, the test gateway on it as `gateway_client_id`,
  // and the agent's config for it.
  void start_over_mutual_tls(const std::string& gateway_client_id,
                             std::unique_ptr<vs::testing::MosquittoServer>& broker,
                             platform::TransportOptions& gateway_options) {
    std::filesystem::path pki = dir_.path() / "pki";
    std::string command = std::string(VS_TEST_PKI_SCRIPT) + " " + pki.string() + " " + device_hex_ +
                          " gateway other-device";
    ASSERT_EQ(std::system(command.c_str()), 0);
    broker = std::make_unique<vs::testing::MosquittoServer>(dir_.path() / "broker",
                                                            vs::testing::MosquittoOptions{pki});
    ASSERT_TRUE(broker->start()) << broker->log();
    gateway_options.server_uri = broker->tls_uri();
    gateway_options.client_id = gateway_client_id;
    gateway_options.ca_file = (pki / "ca.crt").string();
    gateway_options.cert_file = (pki / "gateway.crt").string();
    gateway_options.key_file = (pki / "gateway.key").string();
    ASSERT_TRUE(gateway_.start(gateway_options).ok());
    write_config(broker->tls_uri(),
                 "ca_file = \"" + (pki / "ca.crt").string() + "\"\ncert_file = \"" +
                     (pki / (device_hex_ + ".crt")).string() + "\"\nkey_file = \"" +
                     (pki / (device_hex_ + ".key")).string() + "\"\n");
  }

  vs::testing::TempDir dir_;
  platform::FileKeyStore keys_;
  platform::OpensslSha256 sha_;
  Bytes device_key_;
  std::string device_hex_;
  vs::testing::TestGateway gateway_;
};

TEST_F(AgentUplinkTest, BlocksSurviveABrokerRestartAndAreRetiredByReceipts) {
  vs::testing::MosquittoServer broker(dir_.path() / "broker", {});
  ASSERT_TRUE(broker.start()) << broker.log();
  platform::TransportOptions gateway_options;
  gateway_options.server_uri = broker.uri();
  gateway_options.client_id = "test-gateway";
  ASSERT_TRUE(gateway_.start(gateway_options).ok());
  write_config(broker.uri());

  vs::testing::ChildProcess agent;
  ASSERT_TRUE(start_agent(agent));
  std::this_thread::sleep_for(1500ms);
  broker.stop();  // mid-stream: the agent keeps sealing into its store
  std::this_thread::sleep_for(1500ms);
  auto during_outage = snapshot();
  ASSERT_TRUE(during_outage.ok()) << during_outage.error().message();
  ASSERT_TRUE(during_outage->tip.has_value());
  ASSERT_TRUE(broker.start()) << broker.log();
  std::this_thread::sleep_for(1500ms);
  agent.kill_and_wait(SIGTERM);
  EXPECT_NE(agent_log().find("uplink lost"), std::string::npos) << agent_log();

  // Start again, let it drain and reconcile, stop again.
  vs::testing::ChildProcess again;
  ASSERT_TRUE(start_agent(again));
  bool retired = wait_retired_through(during_outage->tip->height + 1, 30s);
  again.kill_and_wait(SIGTERM);
  auto final_state = snapshot();
  ASSERT_TRUE(final_state.ok()) << final_state.error().message();
  auto seen = gateway_.seen(device_hex_);
  ASSERT_TRUE(final_state->tip.has_value());
  EXPECT_GT(final_state->tip->height, during_outage->tip->height);
  EXPECT_TRUE(retired) << "retired below " << final_state->retired_below << ", tip "
                       << final_state->tip->height;
  // Every block sealed, including those sealed while the broker was down,
  // reached the gateway, verified, and came back as a receipt that verified.
  EXPECT_EQ(seen.rejected, 0u) << seen.last_rejection;
  ASSERT_TRUE(seen.tip.has_value());
  EXPECT_GE(*seen.tip, during_outage->tip->height);
  EXPECT_GE(final_state->retired_below, during_outage->tip->height + 1);
  std::printf(
      "uplink: %llu blocks sealed, %llu verified by the gateway (%llu duplicates re-sent after "
      "reconnects), %llu retired by receipts\n",
      static_cast<unsigned long long>(final_state->tip->height + 1),
      static_cast<unsigned long long>(seen.verified_blocks),
      static_cast<unsigned long long>(seen.duplicates),
      static_cast<unsigned long long>(final_state->retired_below));
}

TEST_F(AgentUplinkTest, MutualTlsAndTheAclKeepADeviceToItsOwnTopics) {
  std::unique_ptr<vs::testing::MosquittoServer> broker;
  platform::TransportOptions gateway_options;
  ASSERT_NO_FATAL_FAILURE(start_over_mutual_tls("test-gateway", broker, gateway_options));
  std::filesystem::path pki = dir_.path() / "pki";
  vs::testing::ChildProcess agent;
  ASSERT_TRUE(start_agent(agent));
  bool retired = wait_retired_through(3, 30s);
  agent.kill_and_wait(SIGTERM);
  auto seen = gateway_.seen(device_hex_);
  EXPECT_TRUE(retired) << agent_log();
  EXPECT_GT(seen.verified_blocks, 0u);
  EXPECT_EQ(seen.rejected, 0u) << seen.last_rejection;

  // Another device's certificate cannot publish under this device's id.
  platform::PahoTransport intruder;
  platform::TransportOptions intruder_options = gateway_options;
  intruder_options.client_id = "intruder";
  intruder_options.cert_file = (pki / "other-device.crt").string();
  intruder_options.key_file = (pki / "other-device.key").string();
  ASSERT_TRUE(
      vs::testing::connect_and_wait(intruder, intruder_options, [](platform::TransportMessage) {
      }).ok());
  std::promise<Status> result;
  ASSERT_TRUE(intruder
                  .publish("vs/v1/" + device_hex_ + "/blocks", Bytes{1, 2, 3}, 1, false,
                           [&](Status status) { result.set_value(std::move(status)); })
                  .ok());
  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  Status denied = future.get();
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), ErrorCode::kPermission) << denied.error().message();
  intruder.stop(100ms);
}

TEST_F(AgentUplinkTest, AClientIdCannotTakeOverAnotherClientsSession) {
  // The shipped broker config binds the client id to the certificate's CN:
  // another device's certificate with the gateway's or this device's client
  // id is just that other device, and disconnects nobody.
  std::unique_ptr<vs::testing::MosquittoServer> broker;
  platform::TransportOptions gateway_options;
  ASSERT_NO_FATAL_FAILURE(start_over_mutual_tls("vs-gateway", broker, gateway_options));
  std::filesystem::path pki = dir_.path() / "pki";
  vs::testing::ChildProcess agent;
  ASSERT_TRUE(start_agent(agent));
  ASSERT_TRUE(wait_retired_through(1, 30s)) << agent_log();

  int tried = 0, held = 0;
  for (const std::string& victim : {std::string("vs-gateway"), "vs-agent-" + device_hex_}) {
    int lost_before = gateway_.connections_lost();
    std::size_t agent_lost_before = vs::testing::count_occurrences(agent_log(), "uplink lost");
    platform::PahoTransport intruder;
    platform::TransportOptions intruder_options = gateway_options;
    intruder_options.client_id = victim;
    intruder_options.cert_file = (pki / "other-device.crt").string();
    intruder_options.key_file = (pki / "other-device.key").string();
    ASSERT_TRUE(
        vs::testing::connect_and_wait(intruder, intruder_options, [](platform::TransportMessage) {
        }).ok());
    // Blocks keep flowing and being retired while the intruder is connected.
    auto before = snapshot();
    ASSERT_TRUE(before && before->tip);
    bool flowing = wait_retired_through(before->tip->height + 2, 30s);
    ++tried;
    bool nobody_lost =
        gateway_.connections_lost() == lost_before &&
        vs::testing::count_occurrences(agent_log(), "uplink lost") == agent_lost_before;
    if (flowing && nobody_lost) ++held;
    EXPECT_TRUE(flowing) << agent_log();
    EXPECT_TRUE(nobody_lost) << "client id " << victim << " was taken over\n" << agent_log();
    intruder.stop(100ms);
  }
  agent.kill_and_wait(SIGTERM);
  vs::testing::report_row(
      {"attack: client id takeover, another device's cert", tried, -1, -1, -1, 0, 0, tried, held});
}

}  // namespace
}  // namespace vs::agent
