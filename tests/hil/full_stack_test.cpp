// The whole rig, every part a real process started here on 127.0.0.1 and
// stopped by its own id: the sensor emulator on a pty, the agent on the
// serial board, Mosquitto with mutual TLS and an ACL, the gateway on the
// local ledger. A scenario runs with faults; then the far end is checked:
// every reading the emulator sent is in the device's chain once, in order;
// every block the device sealed is at the gateway byte for byte, anchored
// once, and its receipt verified on the device (the device retired it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include <csignal>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "env_number.h"
#include "mosquitto_server.h"
#include "suite_report.h"
#include "temp_dir.h"
#include "test_files.h"
#include "vs/agent/device_chain.h"
#include "vs/board/serial_frame_parser.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs {
namespace {

using namespace std::chrono_literals;

using testing::open_store;
using testing::read_file;

class FullStack : public ::testing::Test {
 protected:
  // `max_queued` is the broker's per-client queue of QoS 1 messages.
  void start_stack(int max_queued, int max_inflight = 100) {
    platform::FileKeyStore keys(dir_.path() / "keys");
    auto device_key = keys.create("device").value();
    ASSERT_TRUE(keys.create("gateway").ok());
    platform::OpensslSha256 sha;
    device_ = chain::DeviceId::from_public_key(sha, device_key->public_key());
    pki_ = dir_.path() / "pki";
    testing::ChildProcess pki;
    ASSERT_TRUE(
        pki.start({"/bin/bash", VS_TEST_PKI_SCRIPT, pki_.string(), device_.hex(), "gateway"}));
    ASSERT_EQ(pki.wait(), 0);
    testing::MosquittoOptions options;
    options.pki = pki_;
    options.max_queued_messages = max_queued;
    options.max_inflight_messages = max_inflight;
    broker_ = std::make_unique<testing::MosquittoServer>(dir_.path() / "broker", options);
    ASSERT_TRUE(broker_->start());
    {
      auto store = open_store(dir_.path() / "gateway-data", gateway::kGatewayTableNames, false);
      platform::OpensslVerifierFactory verifiers;
      auto state = gateway::make_key_value_gateway_state(*store);
      ASSERT_TRUE(
          gateway::DeviceRegistry(*state, sha, verifiers).enrol(device_key->public_key()).ok());
    }
    auto tls = [&](const std::string& name) {
      return "ca_file = \"" + (pki_ / "ca.crt").string() + "\"\ncert_file = \"" +
             (pki_ / (name + ".crt")).string() + "\"\nkey_file = \"" +
             (pki_ / (name + ".key")).string() + "\"\n";
    };
    std::ofstream(dir_.path() / "gateway.toml")
        << "[store]\ndata_dir = \"" << (dir_.path() / "gateway-data").string() << "\"\n"
        << "[keys]\ndir = \"" << (dir_.path() / "keys").string() << "\"\n"
        << "[mqtt]\nbroker = \"" << broker_->tls_uri() << "\"\n"
        << tls("gateway") << "[batch]\nmax_blocks = 64\nmax_age_ms = 200\n"
        << "[resend]\ninterval_ms = 300\n"
        << "[metrics]\nlisten = \"127.0.0.1:" << testing::free_port() << "\"\n";
    std::ofstream(dir_.path() / "agent.toml")
        << "board = \"serial\"\n[store]\ndata_dir = \"" << (dir_.path() / "agent-data").string()
        << "\"\n[seal]\nmax_entries = 16\nmax_age_ms = 300\n"
        << "[mqtt]\nbroker = \"" << broker_->tls_uri() << "\"\nkeep_alive_s = 2\n"
        << tls(device_.hex()) << "[uplink]\nreceipt_timeout_ms = 2000\n"
        << "[gateway]\npublic_key = \"" << (dir_.path() / "keys" / "gateway.pub.pem").string()
        << "\"\n[serial]\ndevice = \"" << (dir_.path() / "tty").string() << "\"\nkey_dir = \""
        << (dir_.path() / "keys").string() << "\"\n";
    ASSERT_TRUE(
        gateway_.start({VS_GATEWAY_BINARY, "--config", (dir_.path() / "gateway.toml").string()},
                       (dir_.path() / "gateway.log").string()));
  }

  void start_sensor_and_agent(double speed, std::uint64_t duration_ms) {
    ASSERT_TRUE(emulator_.start(
        {VS_EMULATOR_BINARY, "--link", (dir_.path() / "tty").string(), "--speed",
         std::to_string(speed), "--waveform", "none", "--duration-ms", std::to_string(duration_ms),
         "--sent", (dir_.path() / "sent.txt").string()},
        (dir_.path() / "emulator.log").string()));
    for (int i = 0; i < 200 && !std::filesystem::exists(dir_.path() / "tty"); ++i)
      std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(agent_.start({VS_AGENT_BINARY, "--config", (dir_.path() / "agent.toml").string()},
                             (dir_.path() / "agent.log").string()));
  }

  // Waits for the emulator to finish, then for the device to have every
  // block it sealed retired by a verified receipt.
  void wait_until_everything_is_anchored(std::chrono::seconds timeout) {
    ASSERT_EQ(emulator_.wait(), 0) << read_file(dir_.path() / "emulator.log");
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(200ms);
      auto store = open_store(dir_.path() / "agent-data", agent::kAgentTableNames, true);
      if (!store) continue;
      auto view = store->snapshot();
      if (!view) continue;
      auto chain = agent::DeviceChain::inspect(**view);
      if (chain && chain->tip && chain->pending_entries == 0 &&
          chain->retired_below == chain->tip->height + 1)
        return;
    }
    std::string gateway_log = read_file(dir_.path() / "gateway.log");
    ADD_FAILURE() << "not everything was anchored in time\n"
                  << read_file(dir_.path() / "agent.log").substr(0, 8000) << "\ngateway:\n"
                  << gateway_log.substr(0, 8000) << "\nbroker:\n"
                  << broker_->log().substr(0, 8000);
  }

  // Stops every process and checks the far end; returns the suite row.
  testing::SuiteRow check_far_end(const std::string& scenario, std::int64_t trials) {
    agent_.kill_and_wait(SIGTERM);
    gateway_.kill_and_wait(SIGTERM);
    broker_->stop();
    testing::SuiteRow row{scenario, trials};
    auto agent_store = open_store(dir_.path() / "agent-data", agent::kAgentTableNames, true);
    auto gateway_store =
        open_store(dir_.path() / "gateway-data", gateway::kGatewayTableNames, true);
    EXPECT_TRUE(agent_store && gateway_store);
    if (!agent_store || !gateway_store) return row;
    platform::OpensslSha256 sha;
    std::vector<std::string> readings;
    std::int64_t committed = 0, delivered = 0, anchored = 0, missing = 0, extra_receipts = 0;
    std::uint64_t expected_seq = 0;
    Status walked = platform::for_each_record(
        *agent_store, agent::kBlocksTable, {}, [&](const platform::Record& record) {
          auto block = proto::WireCodec::decode_block(record.value).value();
          auto header = proto::WireCodec::decode_block_header(block.header).value();
          std::int64_t entries = static_cast<std::int64_t>(block.entries.size());
          committed += entries;
          for (const auto& bytes : block.entries) {
            auto entry = proto::WireCodec::decode_entry(bytes).value();
            EXPECT_EQ(entry.seq, expected_seq++) << "seq gap or repeat on the device";
            if (const auto* reading = std::get_if<proto::Reading>(&entry.body))
              readings.push_back(board::SerialFrameParser::payload(*reading));
          }
          Bytes key = gateway::height_key(device_, header.height);
          auto at_gateway = gateway_store->get(gateway::kBlocksTable, key).value();
          if (!at_gateway || *at_gateway != record.value) {
            missing += entries;
            ADD_FAILURE() << "block " << header.height << " is not at the gateway as sealed";
            return Result<bool>(true);
          }
          delivered += entries;
          if (gateway_store->get(gateway::kReceiptsTable, key).value()) anchored += entries;
          return Result<bool>(true);
        });
    EXPECT_TRUE(walked.ok());
    // Exactly once: the gateway holds no block the device did not seal, one
    // receipt per block, and nothing still queued.
    std::uint64_t device_blocks = agent_store->count(agent::kBlocksTable).value();
    EXPECT_EQ(gateway_store->count(gateway::kBlocksTable).value(), device_blocks);
    std::uint64_t receipts = gateway_store->count(gateway::kReceiptsTable).value();
    extra_receipts = static_cast<std::int64_t>(receipts) - static_cast<std::int64_t>(device_blocks);
    EXPECT_EQ(extra_receipts, 0);
    EXPECT_EQ(gateway_store->count(gateway::kUnanchoredTable).value(), 0u);
    // The device's chain is what the sensor sent, in order.
    std::ifstream sent_file(dir_.path() / "sent.txt");
    std::vector<std::string> sent;
    for (std::string line; std::getline(sent_file, line);) sent.push_back(line);
    EXPECT_EQ(readings.size(), sent.size());
    EXPECT_TRUE(readings == sent) << "the chain's readings differ from what the sensor sent";
    EXPECT_GT(sent.size(), 20u);
    row.committed = committed;
    row.delivered = delivered;
    row.anchored = anchored;
    row.lost = missing + std::max<std::int64_t>(0, static_cast<std::int64_t>(sent.size()) -
                                                       static_cast<std::int64_t>(readings.size()));
    row.duplicated = std::max<std::int64_t>(0, extra_receipts);
    return row;
  }

  testing::TempDir dir_;
  chain::DeviceId device_;
  std::filesystem::path pki_;
  std::unique_ptr<testing::MosquittoServer> broker_;
  testing::ChildProcess gateway_, agent_, emulator_;
};

TEST_F(FullStack, SerialSensorToLedgerOverMutualTlsThroughBrokerRestarts) {
  ASSERT_NO_FATAL_FAILURE(start_stack(100000));
  std::uint64_t restarts = testing::env_number("VS_BROKER_RESTARTS", 10);
  ASSERT_NO_FATAL_FAILURE(start_sensor_and_agent(5, 1500 + restarts * 1000));
  for (std::uint64_t i = 0; i < restarts; ++i) {
    std::this_thread::sleep_for(700ms);
    broker_->stop();  // mid-stream: QoS 1 messages in flight are lost with it
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(broker_->start());
  }
  ASSERT_NO_FATAL_FAILURE(wait_until_everything_is_anchored(90s));
  testing::SuiteRow row = check_far_end("full stack, mTLS + ACL, broker stop/start",
                                        static_cast<std::int64_t>(restarts));
  testing::report_row(row);
  EXPECT_EQ(row.lost, 0);
  std::printf(
      "broker restarts: %llu; %lld readings committed, %lld at the gateway, %lld anchored\n",
      static_cast<unsigned long long>(restarts), static_cast<long long>(row.committed),
      static_cast<long long>(row.delivered), static_cast<long long>(row.anchored));
}

TEST_F(FullStack, ASlowGatewayLosesQueuedMessagesAndTheResendPathRecoversThem) {
  // Two messages in flight and four queued per client: while the gateway
  // is stopped, the broker drops what comes past that (as a real slow
  // subscriber sees).
  ASSERT_NO_FATAL_FAILURE(start_stack(4, 2));
  ASSERT_NO_FATAL_FAILURE(start_sensor_and_agent(20, 6000));
  std::this_thread::sleep_for(1500ms);
  ::kill(gateway_.pid(), SIGSTOP);
  std::this_thread::sleep_for(2500ms);
  ::kill(gateway_.pid(), SIGCONT);
  auto resumed_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  ASSERT_NO_FATAL_FAILURE(wait_until_everything_is_anchored(90s));
  std::string broker_log = broker_->log();
  std::string gateway_log = read_file(dir_.path() / "gateway.log");
  std::string agent_log = read_file(dir_.path() / "agent.log");
  testing::SuiteRow row = check_far_end("slow gateway, broker queue overflow", 1);
  testing::report_row(row);
  EXPECT_EQ(row.lost, 0);
  // How long a block sealed during the recovery waited for its anchored
  // receipt, while the resends went out beside it (they take turns).
  std::vector<std::uint64_t> waits_ms;
  auto agent_store = open_store(dir_.path() / "agent-data", agent::kAgentTableNames, true);
  ASSERT_TRUE(agent_store);
  ASSERT_TRUE(platform::for_each_record(
                  *agent_store, agent::kReceiptsTable, {},
                  [&](const platform::Record& record) -> Result<bool> {
                    auto block = agent_store->get(agent::kBlocksTable, record.key).value();
                    if (!block) return true;
                    auto header = proto::WireCodec::decode_block_header(
                                      proto::WireCodec::decode_block(*block).value().header)
                                      .value();
                    auto body = proto::WireCodec::decode_receipt_body(
                                    proto::WireCodec::decode_receipt(record.value).value().body)
                                    .value();
                    if (header.sealed_time_ms >= resumed_ms &&
                        body.issued_time_ms >= header.sealed_time_ms)
                      waits_ms.push_back(body.issued_time_ms - header.sealed_time_ms);
                    return true;
                  })
                  .ok());
  ASSERT_FALSE(waits_ms.empty());
  std::sort(waits_ms.begin(), waits_ms.end());
  std::printf(
      "recovery: %zu blocks sealed after the gateway resumed waited %llu ms (median), %llu ms "
      "(max) for their receipts; gaps the gateway asked for: %zu, resend requests the device took: "
      "%zu, refused: %zu\n",
      waits_ms.size(), static_cast<unsigned long long>(waits_ms[waits_ms.size() / 2]),
      static_cast<unsigned long long>(waits_ms.back()),
      testing::count_occurrences(gateway_log, "asking for heights"),
      testing::count_occurrences(agent_log, "gateway asked for heights"),
      testing::count_occurrences(agent_log, "resend request refused"));
  EXPECT_EQ(testing::count_occurrences(agent_log, "resend request refused"), 0u) << agent_log;
  // The drops did happen, and what was lost came back through the resend
  // path: the gateway asks for a gap it sees, the device sends again a
  // block whose receipt does not come.
  EXPECT_NE(broker_log.find("dropped"), std::string::npos) << broker_log;
  bool asked = gateway_log.find("asking for heights") != std::string::npos;
  bool chased = agent_log.find("no receipt for block") != std::string::npos;
  EXPECT_TRUE(asked || chased) << gateway_log << agent_log;
}

}  // namespace
}  // namespace vs
