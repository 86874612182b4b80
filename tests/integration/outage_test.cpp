// Long outages with the real daemons. A broker that stays down while the
// device piles up a backlog of 100,000 entries (simulated time: the sim
// board floods): afterwards everything drains, in order, and is anchored.
// A device whose storage fills (a 1 MiB LMDB ceiling) with the broker down:
// it raises its alarm and refuses readings rather than drop an unanchored
// block, recovers when receipts let it prune, and a gap event says how many
// readings it could not take.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "child_process.h"
#include "env_number.h"
#include "http_get.h"
#include "mosquitto_server.h"
#include "suite_report.h"
#include "temp_dir.h"
#include "test_files.h"
#include "vs/agent/device_chain.h"
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

class Outage : public ::testing::Test {
 protected:
  Outage() : broker_(dir_.path() / "broker", {}) {
    platform::FileKeyStore keys(dir_.path() / "keys");
    auto device = keys.create("device").value();
    EXPECT_TRUE(keys.create("gateway").ok());
    platform::OpensslSha256 sha;
    platform::OpensslVerifierFactory verifiers;
    device_ = chain::DeviceId::from_public_key(sha, device->public_key());
    auto store = open_store(dir_.path() / "gateway-data", gateway::kGatewayTableNames, false);
    auto state = gateway::make_key_value_gateway_state(*store);
    EXPECT_TRUE(gateway::DeviceRegistry(*state, sha, verifiers).enrol(device->public_key()).ok());
    metrics_port_ = static_cast<std::uint16_t>(testing::free_port());
    std::ofstream(dir_.path() / "gateway.toml")
        << "[store]\ndata_dir = \"" << (dir_.path() / "gateway-data").string() << "\"\n"
        << "[keys]\ndir = \"" << (dir_.path() / "keys").string() << "\"\n"
        << "[mqtt]\nbroker = \"" << broker_.uri() << "\"\n"
        << "[batch]\nmax_blocks = 4096\nmax_age_ms = 200\n"
        << "[metrics]\nlisten = \"127.0.0.1:" << metrics_port_ << "\"\n";
  }

  // `store_lines` go under [store]; `speed` 0 floods.
  void start_agent(double speed, const std::string& store_lines, bool sign_entries) {
    std::ofstream(dir_.path() / "agent.toml")
        << "board = \"sim\"\n[store]\ndata_dir = \"" << (dir_.path() / "agent-data").string()
        << "\"\n"
        << store_lines << "[seal]\nmax_entries = 256\nmax_age_ms = 200\n"
        << "[signing]\nper_entry = " << (sign_entries ? "true" : "false") << "\n"
        << "[mqtt]\nbroker = \"" << broker_.uri() << "\"\nkeep_alive_s = 2\nin_flight = 64\n"
        << "[uplink]\nreceipt_timeout_ms = 5000\n"
        << "[gateway]\npublic_key = \"" << (dir_.path() / "keys" / "gateway.pub.pem").string()
        << "\"\n[sim]\nspeed = " << speed << "\nwaveform = \"none\"\nkey_dir = \""
        << (dir_.path() / "keys").string() << "\"\n";
    ASSERT_TRUE(agent_.start({VS_AGENT_BINARY, "--config", (dir_.path() / "agent.toml").string()},
                             (dir_.path() / "agent.log").string()));
  }
  void start_broker_and_gateway() {
    ASSERT_TRUE(broker_.start());
    ASSERT_TRUE(
        gateway_.start({VS_GATEWAY_BINARY, "--config", (dir_.path() / "gateway.toml").string()},
                       (dir_.path() / "gateway.log").string()));
  }

  std::optional<agent::ChainSnapshot> device_chain() {
    auto store = open_store(dir_.path() / "agent-data", agent::kAgentTableNames, true);
    if (!store) return std::nullopt;
    auto view = store->snapshot();
    if (!view) return std::nullopt;
    auto chain = agent::DeviceChain::inspect(**view);
    if (!chain) return std::nullopt;
    return *chain;
  }

  // Every block up to `backlog_tip` and all but the newest are retired by
  // stored anchored receipts. The newest may wait: with group durability
  // its receipt is written with the next window, which seals the next block.
  void wait_until_everything_is_anchored(std::chrono::seconds timeout, std::uint64_t backlog_tip) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(250ms);
      auto chain = device_chain();
      if (chain && chain->tip && chain->retired_below > backlog_tip &&
          chain->retired_below >= chain->tip->height)
        return;
    }
    ADD_FAILURE() << "not everything was anchored in time\n"
                  << read_file(dir_.path() / "agent.log");
  }

  // The gateway's copy of the device's chain: heights from 0 without a
  // hole, seqs from 0 without a hole or repeat, every block with a receipt.
  struct GatewayCopy {
    std::uint64_t blocks = 0, entries = 0, anchored_entries = 0, gap_events = 0,
                  refused_readings = 0;
  };
  GatewayCopy gateway_copy() {
    GatewayCopy copy;
    auto store = open_store(dir_.path() / "gateway-data", gateway::kGatewayTableNames, true);
    EXPECT_TRUE(store);
    if (!store) return copy;
    std::uint64_t next_seq = 0;
    Status walked = platform::for_each_record(
        *store, gateway::kBlocksTable, gateway::height_key(device_, 0),
        [&](const platform::Record& record) -> Result<bool> {
          auto block = proto::WireCodec::decode_block(record.value).value();
          auto header = proto::WireCodec::decode_block_header(block.header).value();
          EXPECT_EQ(header.height, copy.blocks) << "a hole in the gateway's heights";
          ++copy.blocks;
          for (const auto& bytes : block.entries) {
            auto entry = proto::WireCodec::decode_entry(bytes).value();
            EXPECT_EQ(entry.seq, next_seq) << "a hole or repeat in the gateway's seqs";
            next_seq = entry.seq + 1;
            if (const auto* event = std::get_if<proto::Event>(&entry.body);
                event != nullptr && event->kind == proto::EventKind::kGap) {
              ++copy.gap_events;
              copy.refused_readings += event->count;
            }
          }
          copy.entries += block.entries.size();
          if (store->get(gateway::kReceiptsTable, record.key).value())
            copy.anchored_entries += block.entries.size();
          return true;
        });
    EXPECT_TRUE(walked.ok());
    EXPECT_EQ(store->count(gateway::kUnanchoredTable).value(), 0u);
    return copy;
  }

  double metric(const std::string& sample) {
    return testing::prometheus_value(testing::http_get(metrics_port_, "/metrics"), sample);
  }

  testing::TempDir dir_;
  testing::MosquittoServer broker_;
  chain::DeviceId device_;
  std::uint16_t metrics_port_ = 0;
  testing::ChildProcess agent_, gateway_;
};

TEST_F(Outage, ABacklogOfAHundredThousandEntriesDrainsInOrderAfterTheBrokerReturns) {
  std::uint64_t backlog = testing::env_number("VS_OUTAGE_ENTRIES", 100000);
  // The broker is down from the start: the device floods its store.
  ASSERT_NO_FATAL_FAILURE(start_agent(0, "durability = \"group\"\n", false));
  std::uint64_t committed = 0;
  // Five minutes, and a second per 500 entries more (a sanitized build is slow).
  auto until = std::chrono::steady_clock::now() + 300s + std::chrono::seconds(backlog / 500);
  while (committed < backlog && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(250ms);
    if (auto chain = device_chain()) committed = chain->next_seq;
  }
  ASSERT_GE(committed, backlog) << read_file(dir_.path() / "agent.log");
  agent_.kill_and_wait(SIGTERM);  // sealed; the device now waits at normal speed
  auto before = device_chain();
  ASSERT_TRUE(before && before->tip);
  EXPECT_EQ(before->retired_below, 0u);
  ASSERT_NO_FATAL_FAILURE(start_broker_and_gateway());
  ASSERT_NO_FATAL_FAILURE(start_agent(1, "durability = \"group\"\n", false));
  auto drain_started = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(wait_until_everything_is_anchored(600s, before->tip->height));
  double drain_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_started).count();
  // In order: nothing arrived past a gap, nothing had to be asked for again.
  EXPECT_EQ(metric("vitalsign_blocks_held_total"), 0);
  EXPECT_EQ(metric("vitalsign_resend_requests_total"), 0);
  agent_.kill_and_wait(SIGTERM);
  gateway_.kill_and_wait(SIGTERM);
  auto after = device_chain();
  ASSERT_TRUE(after && after->tip);
  GatewayCopy copy = gateway_copy();
  EXPECT_EQ(copy.blocks, after->tip->height + 1);
  EXPECT_EQ(copy.entries, after->next_seq);
  EXPECT_EQ(copy.anchored_entries, copy.entries);
  std::printf("backlog: %llu entries in %llu blocks drained and anchored in %.1f s\n",
              static_cast<unsigned long long>(before->next_seq),
              static_cast<unsigned long long>(before->tip->height + 1), drain_s);
  testing::report_row({"broker outage, " + std::to_string(backlog) + "-entry backlog", 1,
                       static_cast<std::int64_t>(after->next_seq),
                       static_cast<std::int64_t>(copy.entries),
                       static_cast<std::int64_t>(copy.anchored_entries),
                       static_cast<std::int64_t>(after->next_seq - copy.entries), 0, 0, 0});
}

TEST_F(Outage, AFullDeviceRefusesReadingsKeepsItsBlocksAndRecordsTheGap) {
  // 1 MiB of store with the broker down, per-entry signatures on: it fills.
  ASSERT_NO_FATAL_FAILURE(start_agent(0, "max_mb = 1\n", true));
  std::string log;
  for (int i = 0; i < 1200 && log.find("storage full: refusing readings") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(100ms);
    log = read_file(dir_.path() / "agent.log");
  }
  ASSERT_NE(log.find("storage full: refusing readings"), std::string::npos) << log;
  auto full = device_chain();
  ASSERT_TRUE(full && full->tip);
  EXPECT_EQ(full->retired_below, 0u);  // nothing anchored, nothing dropped
  EXPECT_EQ(full->pruned_below, 0u);
  // The broker and gateway return: receipts retire blocks, pruning frees room.
  ASSERT_NO_FATAL_FAILURE(start_broker_and_gateway());
  for (int i = 0; i < 1200 && log.find("storage available again") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    log = read_file(dir_.path() / "agent.log");
  }
  ASSERT_NE(log.find("storage available again"), std::string::npos) << log;
  // Sealing alone can free the first room (a block packs tighter than its
  // pending entries' pages); still flooding, the store fills again and only
  // pruning anchored blocks can make room then.
  for (int i = 0; i < 1200; ++i) {
    auto chain = device_chain();
    if (chain && chain->pruned_below > 0) break;
    std::this_thread::sleep_for(100ms);
  }
  agent_.kill_and_wait(SIGTERM);
  auto stopped = device_chain();
  ASSERT_TRUE(stopped && stopped->tip);
  ASSERT_NO_FATAL_FAILURE(start_agent(1, "max_mb = 1\n", true));  // back to a patient's pace
  ASSERT_NO_FATAL_FAILURE(wait_until_everything_is_anchored(300s, stopped->tip->height));
  agent_.kill_and_wait(SIGTERM);
  gateway_.kill_and_wait(SIGTERM);
  auto after = device_chain();
  ASSERT_TRUE(after && after->tip);
  EXPECT_GT(after->pruned_below, 0u);                    // room was made by pruning...
  EXPECT_LE(after->pruned_below, after->retired_below);  // ...anchored blocks only
  GatewayCopy copy = gateway_copy();
  EXPECT_EQ(copy.blocks, after->tip->height + 1);
  EXPECT_EQ(copy.entries, after->next_seq);
  EXPECT_EQ(copy.anchored_entries, copy.entries);
  EXPECT_GE(copy.gap_events, 1u);
  EXPECT_GT(copy.refused_readings, 0u);
  std::printf(
      "storage full: %llu readings refused and recorded as gap events; %llu entries, "
      "all anchored; %llu anchored blocks pruned\n",
      static_cast<unsigned long long>(copy.refused_readings),
      static_cast<unsigned long long>(copy.entries),
      static_cast<unsigned long long>(after->pruned_below));
  testing::report_row(
      {"storage full (1 MiB), " + std::to_string(copy.refused_readings) + " readings refused", 1,
       static_cast<std::int64_t>(after->next_seq), static_cast<std::int64_t>(copy.entries),
       static_cast<std::int64_t>(copy.anchored_entries),
       static_cast<std::int64_t>(after->next_seq - copy.entries), 0, 0, 0});
}

}  // namespace
}  // namespace vs
