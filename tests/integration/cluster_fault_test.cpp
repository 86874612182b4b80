// The gateway cluster under faults, with the real daemons: 2 Mosquitto
// brokers, 3 gateways on one PostgreSQL (one key: one gateway identity),
// 3 agents on the sim board listing both brokers. While they run, gateways
// are killed with SIGKILL at random instants (the anchorer included), a
// broker is stopped and started again, and PostgreSQL is restarted (a fast
// shutdown, then a crash). A gateway that exits by itself (PostgreSQL away
// at its start) is started again, as systemd would. Then the agents are
// drained, and the cluster's state is checked from outside: every block each
// agent sealed is there byte for byte, once, in height order with no hole;
// each in exactly one anchored batch; one ledger entry per batch; every
// device holds a verified receipt for every block; no equivocation.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include "anvil_server.h"
#include "child_process.h"
#include "env_number.h"
#include "mosquitto_server.h"
#include "postgres_server.h"
#include "suite_report.h"
#include "temp_dir.h"
#include "test_files.h"
#include "vs/agent/agent_store.h"
#include "vs/agent/device_chain.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/evm_ledger.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/curl_evm_rpc.h"
#include "vs/platform/fan_out_transport.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/paho_transport.h"
#include "vs/proto/wire_codec.h"

namespace vs {
namespace {

using namespace std::chrono_literals;
using testing::read_file;

constexpr int kGateways = 3;
constexpr int kBrokers = 2;
constexpr int kAgents = 3;

class ClusterFault : public ::testing::Test {
 protected:
  ClusterFault() : postgres_(dir_.path() / "postgres") {
    for (int i = 0; i < kBrokers; ++i) {
      brokers_.push_back(std::make_unique<testing::MosquittoServer>(
          dir_.path() / ("broker-" + std::to_string(i)), testing::MosquittoOptions{}));
    }
  }

  void SetUp() override {
    ASSERT_TRUE(postgres_.start()) << postgres_.init_output();
    for (auto& broker : brokers_) ASSERT_TRUE(broker->start());
    platform::FileKeyStore gateway_keys(dir_.path() / "keys");
    ASSERT_TRUE(gateway_keys.create("gateway").ok());
    auto state = open_state(gateway::StoreAccess::kCreate);
    ASSERT_TRUE(state);
    platform::OpensslSha256 sha;
    platform::OpensslVerifierFactory verifiers;
    for (int i = 0; i < kAgents; ++i) {
      platform::FileKeyStore keys(agent_dir(i) / "keys");
      auto device = keys.create("device").value();
      devices_.push_back(chain::DeviceId::from_public_key(sha, device->public_key()));
      ASSERT_TRUE(gateway::DeviceRegistry(*state, sha, verifiers).enrol(device->public_key()).ok());
    }
    for (int i = 0; i < kGateways; ++i) write_gateway_config(i);
  }

  std::filesystem::path agent_dir(int i) const {
    return dir_.path() / ("agent-" + std::to_string(i));
  }
  // Every broker, starting with the `first`-th (agents spread over them).
  std::string broker_list(std::size_t first = 0) const {
    std::string list = "[";
    for (std::size_t k = 0; k < brokers_.size(); ++k) {
      list += (k > 0 ? ", \"" : "\"") + brokers_[(first + k) % brokers_.size()]->uri() + "\"";
    }
    return list + "]";
  }

  std::unique_ptr<gateway::GatewayState> open_state(gateway::StoreAccess access) {
    gateway::GatewayStoreOptions options;
    options.location = postgres_.connection();
    options.backend = gateway::StoreBackend::kPostgres;
    options.access = access;
    auto state = gateway::open_gateway_store(options);
    EXPECT_TRUE(state.ok()) << state.error().message();
    return state ? std::move(state).value() : nullptr;
  }

  void write_gateway_config(int i) {
    std::string name = "gw-" + std::to_string(i);
    std::ofstream(dir_.path() / (name + ".toml"))
        << "[store]\nbackend = \"postgres\"\npostgres = \"" << postgres_.connection() << "\"\n"
        << "[cluster]\nname = \"" << name << "\"\nlease_ms = 2000\n"
        << "[keys]\ndir = \"" << (dir_.path() / "keys").string() << "\"\n"
        << "[mqtt]\nbroker = " << broker_list() << "\nclient_id = \"" << name
        << "\"\nkeep_alive_s = 2\n"
        << "[batch]\nmax_age_ms = 300\n[resend]\ninterval_ms = 1000\n"
        << "[metrics]\nlisten = \"\"\n"
        << ledger_lines_;
  }
  void start_gateway(int i) {
    std::string name = "gw-" + std::to_string(i);
    ASSERT_TRUE(gateways_[i].start(
        {VS_GATEWAY_BINARY, "--config", (dir_.path() / (name + ".toml")).string()},
        (dir_.path() / (name + ".log")).string()));
  }

  // `speed` simulated seconds per second: fast while faults run, nearly
  // still while the agents drain.
  void start_agent(int i, double speed) {
    std::ofstream(agent_dir(i) / "agent.toml")
        << "board = \"sim\"\n[store]\ndata_dir = \"" << (agent_dir(i) / "data").string() << "\"\n"
        << "[seal]\nmax_entries = 64\nmax_age_ms = 200\n"
        << "[mqtt]\nbroker = " << broker_list(static_cast<std::size_t>(i))
        << "\nkeep_alive_s = 2\nin_flight = 32\n"
        << "[uplink]\nreceipt_timeout_ms = 3000\nlive = true\n"
        << "[gateway]\npublic_key = \"" << (dir_.path() / "keys" / "gateway.pub.pem").string()
        << "\"\n[sim]\nspeed = " << speed << "\nseed = " << (i + 1)
        << "\nwaveform = \"none\"\nkey_dir = \"" << (agent_dir(i) / "keys").string() << "\"\n";
    ASSERT_TRUE(
        agents_[i].start({VS_AGENT_BINARY, "--config", (agent_dir(i) / "agent.toml").string()},
                         (agent_dir(i) / "agent.log").string()));
  }

  // Times an agent connected to another broker than the one it was on.
  std::size_t agent_moves() const {
    std::size_t moves = 0;
    for (int i = 0; i < kAgents; ++i)
      moves += testing::count_occurrences(read_file(agent_dir(i) / "agent.log"), "connected (was");
    return moves;
  }

  std::optional<agent::ChainSnapshot> device_chain(int i) {
    auto store = agent::open_agent_store({agent_dir(i) / "data", true});
    if (!store) return std::nullopt;
    auto view = (*store)->snapshot();
    if (!view) return std::nullopt;
    auto chain = agent::DeviceChain::inspect(**view);
    if (!chain) return std::nullopt;
    return *chain;
  }
  bool drained(int i) {
    auto chain = device_chain(i);
    return chain && chain->tip && chain->pending_entries == 0 &&
           chain->retired_below == chain->tip->height + 1;
  }

  // The gateway that holds the anchor lease now, if one does.
  int anchorer() {
    auto state = open_state(gateway::StoreAccess::kRead);
    if (!state) return -1;
    auto lease = state->anchor_lease();
    if (!lease || !*lease || (*lease)->expires_ms == 0) return -1;
    return std::atoi((*lease)->holder.c_str() + 3);  // "gw-N"
  }

  std::string logs() {
    std::string out;
    for (int i = 0; i < kGateways; ++i) {
      std::string log = read_file(dir_.path() / ("gw-" + std::to_string(i) + ".log"));
      out += "--- gw-" + std::to_string(i) + " (last 3000 bytes)\n" +
             log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
    }
    for (int i = 0; i < kAgents; ++i) {
      std::string log = read_file(agent_dir(i) / "agent.log");
      out += "--- agent-" + std::to_string(i) + " (last 2000 bytes)\n" +
             log.substr(log.size() > 2000 ? log.size() - 2000 : 0);
    }
    return out;
  }

  testing::TempDir dir_;
  testing::PostgresServer postgres_;
  std::vector<std::unique_ptr<testing::MosquittoServer>> brokers_;
  testing::ChildProcess gateways_[kGateways];
  testing::ChildProcess agents_[kAgents];
  std::vector<chain::DeviceId> devices_;
  std::string ledger_lines_;  // the gateways' [ledger] table; empty: the local log

  struct Faults {
    std::uint64_t gateway_kills, broker_restarts, database_restarts;
  };
  // Runs the cluster through `faults`, drains it and checks it from outside.
  void run_with_faults(Faults counts, const std::string& scenario);
  std::vector<gateway::AnchorRecord> anchors_;  // what the cluster anchored, in batch order
};

void ClusterFault::run_with_faults(Faults counts, const std::string& scenario) {
  for (int i = 0; i < kGateways; ++i) write_gateway_config(i);
  std::uint64_t gateway_kills = counts.gateway_kills;
  std::uint64_t broker_restarts = counts.broker_restarts;
  std::uint64_t database_restarts = counts.database_restarts;
  std::uint64_t seed = testing::env_number("VS_CLUSTER_SEED", std::random_device{}());
  std::mt19937_64 random(seed);
  std::printf(
      "%s: %llu gateway kills, %llu broker restarts, %llu database restarts, "
      "seed %llu (VS_CLUSTER_SEED reproduces)\n",
      scenario.c_str(), static_cast<unsigned long long>(gateway_kills),
      static_cast<unsigned long long>(broker_restarts),
      static_cast<unsigned long long>(database_restarts), static_cast<unsigned long long>(seed));

  for (int i = 0; i < kGateways; ++i) start_gateway(i);
  for (int i = 0; i < kAgents; ++i) start_agent(i, 20);
  // A dashboard on every broker: the devices' live readings, wherever each is.
  std::atomic<std::uint64_t> live_readings{0};
  std::vector<std::unique_ptr<platform::Transport>> dashboard_brokers;
  for (std::size_t b = 0; b < brokers_.size(); ++b)
    dashboard_brokers.push_back(std::make_unique<platform::PahoTransport>());
  platform::FanOutTransport dashboard(std::move(dashboard_brokers));
  platform::TransportOptions dashboard_options;
  dashboard_options.server_uri = brokers_[0]->uri();
  for (std::size_t b = 1; b < brokers_.size(); ++b)
    dashboard_options.more_server_uris.push_back(brokers_[b]->uri());
  dashboard_options.client_id = "dashboard";
  ASSERT_TRUE(
      dashboard
          .start(
              dashboard_options, [&](platform::TransportMessage) { ++live_readings; }, nullptr)
          .ok());
  ASSERT_TRUE(dashboard.subscribe("vs/v1/+/live", 0).ok());

  // The faults, shuffled; one every 0.6-1.5 s.
  enum class Fault { kGateway, kAnchorer, kBroker, kDatabase };
  std::vector<Fault> faults;
  for (std::uint64_t i = 0; i < gateway_kills; ++i)
    faults.push_back(i % 4 == 0 ? Fault::kAnchorer : Fault::kGateway);
  faults.insert(faults.end(), broker_restarts, Fault::kBroker);
  faults.insert(faults.end(), database_restarts, Fault::kDatabase);
  std::shuffle(faults.begin(), faults.end(), random);
  std::uniform_int_distribution<int> pause_ms(600, 1500);
  std::uniform_int_distribution<int> down_ms(200, 1500);
  std::uniform_int_distribution<int> any_gateway(0, kGateways - 1);
  std::size_t broker_faults = 0;
  std::chrono::milliseconds longest_silence{0};  // live readings, while a broker was down
  int anchorer_kills = 0;
  int database_crashes = 0;
  // A gateway that exited by itself comes back, as under systemd.
  auto supervise = [&] {
    for (int i = 0; i < kGateways; ++i)
      if (!gateways_[i].running()) start_gateway(i);
  };
  std::this_thread::sleep_for(2s);
  for (Fault fault : faults) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
    supervise();
    switch (fault) {
      case Fault::kGateway:
      case Fault::kAnchorer: {
        int victim = fault == Fault::kAnchorer ? anchorer() : -1;
        if (victim < 0) victim = any_gateway(random);
        if (fault == Fault::kAnchorer && victim >= 0) ++anchorer_kills;
        gateways_[victim].kill_and_wait(SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(random)));
        start_gateway(victim);
        break;
      }
      case Fault::kBroker: {  // each in turn: agents on it move to the other
        auto& broker = *brokers_[broker_faults++ % brokers_.size()];
        std::size_t moves_before = agent_moves();
        broker.stop();
        std::uint64_t live_before = live_readings;
        auto stopped = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(random)));
        // Agents on it move to the other broker (each broker has agents that
        // list it first): their live readings carry on there. It stays down
        // until one has moved, or an agent could find it back before trying
        // the other. How soon depends on the machine (sanitizers, two
        // cores), so the bound is wide and the time taken is printed.
        while ((live_readings.load() == live_before || agent_moves() == moves_before) &&
               std::chrono::steady_clock::now() - stopped < 20s)
          std::this_thread::sleep_for(50ms);
        EXPECT_GT(live_readings.load(), live_before) << "no live reading while a broker was down";
        EXPECT_GT(agent_moves(), moves_before) << "no agent moved while a broker was down";
        longest_silence =
            std::max(longest_silence, std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - stopped));
        ASSERT_TRUE(broker.start());
        break;
      }
      case Fault::kDatabase:
        if (database_crashes++ % 2 == 0) {
          postgres_.stop();  // a fast shutdown
        } else {
          postgres_.kill();  // a crash: recovery from its log
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(random)));
        ASSERT_TRUE(postgres_.start());
        break;
    }
  }

  // Drain: the agents restart nearly still (a restart is one more fault)
  // and everything they sealed must come back with a verified receipt.
  for (int i = 0; i < kAgents; ++i) {
    agents_[i].kill_and_wait(SIGTERM);
    start_agent(i, 0.001);
  }
  auto until = std::chrono::steady_clock::now() + 180s;
  bool all_drained = false;
  while (!all_drained && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(500ms);
    supervise();
    all_drained = true;
    for (int i = 0; i < kAgents; ++i) all_drained = all_drained && drained(i);
  }
  EXPECT_TRUE(all_drained) << "not every block came back with a receipt\n" << logs();
  // What an operator sees of the running cluster: three gateways, one anchoring.
  auto status =
      testing::run_command({VS_VITALSIGN_BINARY, "status", "--store", postgres_.uri(), "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_EQ(testing::count_occurrences(status.output, "\"heartbeat_ms\":"), 3u) << status.output;
  EXPECT_EQ(testing::count_occurrences(status.output, "\"anchorer\":true"), 1u) << status.output;
  for (int i = 0; i < kAgents; ++i) agents_[i].kill_and_wait(SIGTERM);
  for (int i = 0; i < kGateways; ++i) gateways_[i].kill_and_wait(SIGTERM);
  dashboard.stop(std::chrono::milliseconds(100));
  EXPECT_GT(live_readings.load(), 0u);

  // From outside: the shared state against each device's own store.
  auto state = open_state(gateway::StoreAccess::kRead);
  ASSERT_TRUE(state);
  std::int64_t committed = 0, delivered = 0, anchored = 0, lost = 0, duplicated = 0;
  std::uint64_t blocks_total = 0;
  for (int i = 0; i < kAgents; ++i) {
    auto chain = device_chain(i);
    ASSERT_TRUE(chain && chain->tip);
    const chain::DeviceId& device = devices_[static_cast<std::size_t>(i)];
    committed += static_cast<std::int64_t>(chain->next_seq);
    auto store = agent::open_agent_store({agent_dir(i) / "data", true}).value();
    auto own = agent::stored_blocks(*store, 0, 1'000'000).value();
    std::map<std::uint64_t, Bytes> sealed(own.begin(), own.end());
    std::uint64_t next_height = 0, next_seq = 0;
    Status walked = gateway::for_each_block(
        *state, device, 0, [&](std::uint64_t height, ByteView bytes) -> Result<bool> {
          EXPECT_EQ(height, next_height) << "a hole in the cluster's heights";
          next_height = height + 1;
          if (auto kept = sealed.find(height); kept != sealed.end()) {
            EXPECT_TRUE(equal(kept->second, bytes)) << "block " << height << " differs";
          }
          auto block = proto::WireCodec::decode_block(bytes).value();
          for (const auto& entry_bytes : block.entries) {
            auto entry = proto::WireCodec::decode_entry(entry_bytes).value();
            if (entry.seq < next_seq) ++duplicated;
            if (entry.seq > next_seq) lost += static_cast<std::int64_t>(entry.seq - next_seq);
            next_seq = entry.seq + 1;
          }
          delivered += static_cast<std::int64_t>(block.entries.size());
          if (state->receipt(device, height).value())
            anchored += static_cast<std::int64_t>(block.entries.size());
          return true;
        });
    ASSERT_TRUE(walked.ok()) << walked.error().message();
    EXPECT_EQ(next_height, chain->tip->height + 1) << "agent " << i;
    EXPECT_EQ(state->tip(device).value()->hash, chain->tip->hash) << "agent " << i;
    EXPECT_EQ(next_seq, chain->next_seq) << "agent " << i;
    EXPECT_TRUE(state->evidence(device).value().empty());
    EXPECT_FALSE(state->device(device).value()->equivocated);
    blocks_total += next_height;
  }
  // Each block in exactly one anchored batch; one ledger entry per batch.
  EXPECT_EQ(state->queue_size().value(), 0u);
  auto anchors = state->anchors(1, 1'000'000).value();
  anchors_ = anchors;
  std::uint64_t in_batches = 0;
  for (std::size_t k = 0; k < anchors.size(); ++k) {
    EXPECT_EQ(anchors[k].batch_id, k + 1) << "batch ids run without a hole";
    in_batches += anchors[k].blocks;
  }
  EXPECT_EQ(in_batches, blocks_total) << "a block anchored twice, or never";
  if (ledger_lines_.empty()) {  // the local log: one entry per batch
    EXPECT_EQ(state->ledger_size().value(), anchors.size());
  }
  EXPECT_EQ(state->next_batch_id().value(), anchors.size() + 1);
  // The faults did what they were for: anchorers changed, agents moved.
  std::size_t takeovers = 0, moves = 0;
  for (int i = 0; i < kGateways; ++i) {
    takeovers += testing::count_occurrences(
        read_file(dir_.path() / ("gw-" + std::to_string(i) + ".log")), ") anchors now");
  }
  moves = agent_moves();
  std::printf(
      "cluster: %llu blocks, %zu batches, %d anchorer kills, %zu times a gateway became "
      "the anchorer, %zu moves of an agent to another broker, live readings back within "
      "%lld ms of a broker stop at worst\n",
      static_cast<unsigned long long>(blocks_total), anchors.size(), anchorer_kills, takeovers,
      moves, static_cast<long long>(longest_silence.count()));
  EXPECT_GT(anchorer_kills, 0);
  EXPECT_GT(takeovers, static_cast<std::size_t>(anchorer_kills));
  EXPECT_GT(moves, 0u);

  testing::report_row(
      {scenario + ": " + std::to_string(gateway_kills) + " gateway kills (" +
           std::to_string(anchorer_kills) + " anchorers), " + std::to_string(broker_restarts) +
           " broker, " + std::to_string(database_restarts) + " PostgreSQL restarts",
       static_cast<std::int64_t>(gateway_kills + broker_restarts + database_restarts), committed,
       delivered, anchored, lost, duplicated, 0, 0, all_drained ? 0 : 1});
}

TEST_F(ClusterFault, KillsOfGatewaysBrokersAndTheDatabaseLoseAndDuplicateNothing) {
  run_with_faults({testing::env_number("VS_CLUSTER_GATEWAY_KILLS", 20),
                   testing::env_number("VS_CLUSTER_BROKER_RESTARTS", 5),
                   testing::env_number("VS_CLUSTER_DATABASE_RESTARTS", 2)},
                  "cluster, local ledger");
}

// The same anchoring on a real Ethereum node (anvil), fewer faults: the
// gateways sign their transactions (one shared account), so a batch whose
// anchorer died after sending is sent again as the same transaction. The
// chain holds exactly one transaction per batch, each carrying its batch.
TEST_F(ClusterFault, OnAnvilEachBatchIsOneTransactionWhateverDies) {
  testing::AnvilServer anvil;
  ASSERT_TRUE(anvil.start());
  std::ofstream(dir_.path() / "anchor.key") << "0x" << testing::kAnvilKey1 << "\n";
  std::filesystem::permissions(dir_.path() / "anchor.key", std::filesystem::perms::owner_read |
                                                               std::filesystem::perms::owner_write);
  ledger_lines_ = "[ledger]\nkind = \"evm\"\nfinality_check_ms = 300\n[ledger.evm]\nurl = \"" +
                  anvil.url() + "\"\nmode = \"raw\"\nkey_file = \"" +
                  (dir_.path() / "anchor.key").string() +
                  "\"\nchain_id = 31337\nconfirmations = 1\npoll_interval_ms = 20\n";
  ASSERT_NO_FATAL_FAILURE(run_with_faults({8, 2, 1}, "cluster, anvil"));
  auto rpc = platform::CurlEvmRpc::open(anvil.url(), std::chrono::milliseconds(5000)).value();
  auto account = platform::parse_evm_address(testing::kAnvilAccount1).value();
  EXPECT_EQ(rpc->pending_nonce(account).value(), anchors_.size())
      << "chain transactions from the anchoring account, against batches";
  for (const gateway::AnchorRecord& anchor : anchors_) {
    EXPECT_EQ(anchor.ledger.chain_id, "eip155:31337");
    Digest tx_hash = to_array<32>(anchor.ledger.transaction_id, "").value();
    auto input = rpc->transaction_input(tx_hash).value();
    ASSERT_TRUE(input.has_value()) << "batch " << anchor.batch_id;
    ASSERT_EQ(input->size(), 40u);
    EXPECT_EQ(get_u64_be(input->data() + 32), anchor.batch_id);
  }
}

}  // namespace
}  // namespace vs
