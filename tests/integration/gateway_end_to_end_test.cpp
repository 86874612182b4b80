// The real daemons end to end: Mosquitto, vitalsign-gateway on the local
// ledger, vitalsign-agent on the sim board. The gateway is killed with -9 at
// random instants while blocks stream in ($VS_GATEWAY_KILLS, default 20;
// seed $VS_GATEWAY_SEED), restarted each time, and at the end every block
// the agent sealed must be in the gateway exactly as sent, anchored exactly
// once, with a receipt that verifies on the ledger and on the device.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "anvil_server.h"
#include "child_process.h"
#include "http_get.h"
#include "mosquitto_server.h"
#include "temp_dir.h"
#include "vs/agent/device_chain.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/evm_ledger.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/curl_evm_rpc.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/wire_codec.h"

namespace vs {
namespace {

using namespace std::chrono_literals;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

std::unique_ptr<platform::LmdbStore> open_read_only(const std::filesystem::path& directory,
                                                    const std::vector<std::string>& tables) {
  platform::LmdbStoreOptions options;
  options.directory = directory;
  options.tables = tables;
  options.read_only = true;
  auto store = platform::LmdbStore::open(options);
  return store ? std::move(store).value() : nullptr;
}

// Every record of a table, in key order.
std::vector<platform::Record> all(const platform::Store& store, platform::TableId table) {
  std::vector<platform::Record> out;
  Bytes from;
  for (;;) {
    auto records = store.scan(table, from, 1024).value();
    for (auto& record : records) {
      if (!out.empty() && out.back().key == record.key) continue;
      out.push_back(std::move(record));
    }
    if (records.size() < 1024) return out;
    from = out.back().key;
  }
}

class GatewayEndToEnd : public ::testing::Test {
 protected:
  GatewayEndToEnd() : broker_(dir_.path() / "broker", {}) {
    platform::FileKeyStore keys(dir_.path() / "keys");
    device_public_ = keys.public_key(keys.create("device").ok() ? "device" : "").value();
    gateway_public_ = keys.public_key(keys.create("gateway").ok() ? "gateway" : "").value();
    metrics_port_ = static_cast<std::uint16_t>(testing::free_port());
  }

  // `ledger` is the gateway's [ledger] table (and its subtables).
  void write_configs(const std::string& ledger) {
    std::ofstream gateway(dir_.path() / "gateway.toml");
    gateway << "[store]\ndata_dir = \"" << (dir_.path() / "gateway-data").string() << "\"\n"
            << "[keys]\ndir = \"" << (dir_.path() / "keys").string() << "\"\n"
            << "[mqtt]\nbroker = \"" << broker_.uri() << "\"\n"
            << "[batch]\nmax_blocks = 64\nmax_age_ms = 100\n"
            << "[resend]\ninterval_ms = 300\n"
            << "[metrics]\nlisten = \"127.0.0.1:" << metrics_port_ << "\"\n"
            << ledger;
    std::ofstream agent(dir_.path() / "agent.toml");
    agent << "board = \"sim\"\n[store]\ndata_dir = \"" << (dir_.path() / "agent-data").string()
          << "\"\n[seal]\nmax_entries = 8\nmax_age_ms = 100\n"
          << "[mqtt]\nbroker = \"" << broker_.uri() << "\"\nkeep_alive_s = 2\n"
          << "[uplink]\nreceipt_timeout_ms = 2000\n"
          << "[gateway]\npublic_key = \"" << (dir_.path() / "keys" / "gateway.pub.pem").string()
          << "\"\n[sim]\nspeed = 200\nwaveform = \"none\"\nkey_dir = \""
          << (dir_.path() / "keys").string() << "\"\n";
  }

  bool start_gateway() {
    return gateway_.start({VS_GATEWAY_BINARY, "--config", (dir_.path() / "gateway.toml").string()},
                          (dir_.path() / "gateway.log").string());
  }
  std::string log(const char* name) const {
    std::ifstream in(dir_.path() / name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // The agent's tip height, if it sealed a block yet.
  std::optional<std::uint64_t> agent_tip() {
    auto store = open_read_only(dir_.path() / "agent-data", agent::kAgentTableNames);
    if (!store) return std::nullopt;
    auto last = store->last(agent::kBlocksTable);
    if (!last || !*last) return std::nullopt;
    return get_u64_be((*last)->key.data());
  }
  // Whether the device holds a verified receipt for every height 0..tip.
  bool agent_has_receipts_up_to(std::uint64_t tip) {
    auto store = open_read_only(dir_.path() / "agent-data", agent::kAgentTableNames);
    if (!store) return false;
    for (std::uint64_t height = 0; height <= tip; ++height) {
      auto receipt = store->get(agent::kReceiptsTable, platform::u64_key(height));
      if (!receipt || !*receipt) return false;
    }
    return true;
  }

  void run_with_gateway_kills(std::uint64_t kills);

  testing::TempDir dir_;
  testing::MosquittoServer broker_;
  testing::ChildProcess gateway_;
  testing::ChildProcess agent_;
  Bytes device_public_;
  Bytes gateway_public_;
  std::uint16_t metrics_port_ = 0;
  std::vector<proto::ReceiptBody> receipt_bodies_;
};

// Runs the job with `kills` gateway kills and checks everything but the
// ledger itself; the receipts' bodies are left in receipt_bodies_.
void GatewayEndToEnd::run_with_gateway_kills(std::uint64_t kills) {
  ASSERT_TRUE(broker_.start());
  testing::ChildProcess enrol;
  ASSERT_TRUE(
      enrol.start({VS_VITALSIGN_BINARY, "enrol", "--store", (dir_.path() / "gateway-data").string(),
                   "--key", (dir_.path() / "keys" / "device.pub.pem").string()}));
  ASSERT_EQ(enrol.wait(), 0);
  ASSERT_NE(enrol.output().find("enrolled device "), std::string::npos) << enrol.output();

  ASSERT_TRUE(start_gateway());
  ASSERT_TRUE(agent_.start({VS_AGENT_BINARY, "--config", (dir_.path() / "agent.toml").string()},
                           (dir_.path() / "agent.log").string()));
  std::uint64_t seed = env_number("VS_GATEWAY_SEED", std::random_device{}());
  std::printf("gateway kills: %llu, seed %llu (VS_GATEWAY_SEED reproduces)\n",
              static_cast<unsigned long long>(kills), static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> run_ms(50, 400);
  std::string metrics;
  for (std::uint64_t kill = 0; kill < kills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(random)));
    int status = gateway_.kill_and_wait(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the gateway exited by itself:\n" << log("gateway.log");
    ASSERT_TRUE(start_gateway());
  }
  // The restarted gateway serves its metrics once it is up (slow under sanitizers).
  for (int i = 0; i < 200 && metrics.empty(); ++i) {
    metrics = testing::http_get(metrics_port_, "/metrics");
    if (metrics.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(metrics.find("HTTP/1.0 200 OK"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("vitalsign_blocks_accepted_total "), std::string::npos);

  // The device ends up holding a verified receipt for every block it had
  // sealed by the last restart (it keeps sealing; later ones are in flight).
  auto tip_then = agent_tip();
  ASSERT_TRUE(tip_then.has_value()) << log("agent.log");
  bool caught_up = false;
  for (int i = 0; i < 1200 && !caught_up; ++i) {
    caught_up = agent_has_receipts_up_to(*tip_then);
    if (!caught_up) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(caught_up) << "the device lacks receipts up to height " << *tip_then;
  auto agent_stop = agent_.kill_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(agent_stop) && WEXITSTATUS(agent_stop) == 0) << log("agent.log");
  std::this_thread::sleep_for(300ms);  // the agent's last block reaches the gateway
  auto gateway_stop = gateway_.kill_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(gateway_stop) && WEXITSTATUS(gateway_stop) == 0) << log("gateway.log");

  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  auto agent_store = open_read_only(dir_.path() / "agent-data", agent::kAgentTableNames);
  auto gateway_store = open_read_only(dir_.path() / "gateway-data", gateway::kGatewayTableNames);
  ASSERT_TRUE(agent_store && gateway_store);
  auto device = chain::DeviceId::from_public_key(sha, device_public_);
  auto device_receipts = all(*agent_store, agent::kReceiptsTable);

  // Every agent block up to that tip is in the gateway, byte for byte, and
  // the gateway holds nothing the agent did not seal.
  auto agent_blocks = all(*agent_store, agent::kBlocksTable);
  ASSERT_GT(agent_blocks.size(), 10u);
  std::uint64_t compared = 0;
  for (const platform::Record& block : agent_blocks) {
    std::uint64_t height = get_u64_be(block.key.data());
    auto stored = gateway_store->get(gateway::kBlocksTable, gateway::height_key(device, height));
    ASSERT_TRUE(stored.ok());
    if (height <= *tip_then) {
      ASSERT_TRUE(stored->has_value()) << "height " << height << " lost";
    }
    if (!stored->has_value()) continue;
    EXPECT_EQ(**stored, block.value) << "height " << height;
    ++compared;
  }
  EXPECT_EQ(compared, gateway_store->count(gateway::kBlocksTable).value());
  // Anchored exactly once: nothing left queued, one receipt per block, and
  // each batch holds exactly as many receipts as its size says.
  EXPECT_EQ(gateway_store->count(gateway::kUnanchoredTable).value(), 0u);
  auto receipts = all(*gateway_store, gateway::kReceiptsTable);
  EXPECT_EQ(receipts.size(), gateway_store->count(gateway::kBlocksTable).value());
  auto gateway_key = verifiers.make_verifier(gateway_public_).value();
  receipt_bodies_.clear();
  chain::ReceiptVerifier verifier(sha, *gateway_key, gateway_public_);
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> batches;  // id -> size, seen
  for (const platform::Record& record : receipts) {
    std::uint64_t height = get_u64_be(record.key.data() + chain::DeviceId::kSize);
    auto block = platform::WireCodec::decode_block(
        *gateway_store->get(gateway::kBlocksTable, record.key).value());
    auto body = verifier.verify(record.value, {device, height, sha.digest(block->header)});
    ASSERT_TRUE(body.ok()) << "height " << height << ": " << body.error().message();
    auto& [size, seen] = batches[body->batch_id];
    size = body->batch_size;
    ++seen;
    receipt_bodies_.push_back(*body);
  }
  for (const auto& [batch_id, counts] : batches)
    EXPECT_EQ(counts.first, counts.second) << "batch " << batch_id;
  // The receipts the device kept are the gateway's.
  for (const platform::Record& kept : device_receipts) {
    std::uint64_t height = get_u64_be(kept.key.data());
    EXPECT_TRUE(gateway_store->get(gateway::kReceiptsTable, gateway::height_key(device, height))
                    ->has_value());
  }
  std::printf(
      "gateway kills: %llu; %zu blocks sealed, %llu at the gateway, %zu batches, %zu receipts on "
      "the device\n",
      static_cast<unsigned long long>(kills), agent_blocks.size(),
      static_cast<unsigned long long>(compared), batches.size(), device_receipts.size());
}

TEST_F(GatewayEndToEnd, KilledGatewaysLoseNothingAndAnchorEveryBlockExactlyOnce) {
  write_configs("[ledger]\norigin = \"test.example/gateway\"\ncheckpoint_file = \"" +
                (dir_.path() / "checkpoint").string() + "\"\n");
  ASSERT_NO_FATAL_FAILURE(run_with_gateway_kills(env_number("VS_GATEWAY_KILLS", 20)));
  auto gateway_store = open_read_only(dir_.path() / "gateway-data", gateway::kGatewayTableNames);
  platform::OpensslSha256 sha;
  auto gateway_key = platform::OpensslVerifierFactory().make_verifier(gateway_public_).value();
  auto ledger_entries = all(*gateway_store, gateway::kLedgerTable);
  // The ledger entry each receipt names holds its batch root.
  for (const proto::ReceiptBody& body : receipt_bodies_) {
    ASSERT_LT(body.ledger.ledger_height, ledger_entries.size());
    EXPECT_TRUE(equal(ByteView(ledger_entries[body.ledger.ledger_height].value).subspan(25, 32),
                      body.batch_root));
  }
  // The ledger is hash-chained, and the published checkpoint covers it.
  for (std::size_t i = 1; i < ledger_entries.size(); ++i) {
    Digest previous = sha.digest(ledger_entries[i - 1].value);
    EXPECT_TRUE(equal(ByteView(ledger_entries[i].value).subspan(57, 32), previous)) << i;
  }
  auto checkpoint = gateway::LocalLedger::verify_checkpoint(log("checkpoint"), sha, *gateway_key,
                                                            gateway_public_);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->size, ledger_entries.size());
}

// The same on a real Ethereum node: every receipt's transaction is on the
// chain, succeeded, sits where the receipt says and carries the batch root.
TEST_F(GatewayEndToEnd, OnAnEthereumLedgerEveryReceiptPointsAtATransactionHoldingItsRoot) {
  testing::AnvilServer anvil;
  ASSERT_TRUE(anvil.start());
  write_configs("[ledger]\nkind = \"evm\"\n[ledger.evm]\nurl = \"" + anvil.url() + "\"\nfrom = \"" +
                testing::kAnvilAccount0 + "\"\nchain_id = 31337\npoll_interval_ms = 20\n");
  ASSERT_NO_FATAL_FAILURE(run_with_gateway_kills(5));
  auto rpc = platform::CurlEvmRpc::open(anvil.url(), 5000ms).value();
  std::set<std::uint64_t> checked;
  for (const proto::ReceiptBody& body : receipt_bodies_) {
    EXPECT_EQ(body.ledger.kind, proto::LedgerKind::kEvm);
    EXPECT_EQ(body.ledger.chain_id, "eip155:31337");
    if (!checked.insert(body.batch_id).second) continue;
    Digest root = to_array<32>(body.batch_root, "").value();
    Status on_chain = gateway::EvmLedger::check(*rpc, body.ledger, root, body.batch_id, 1);
    EXPECT_TRUE(on_chain.ok()) << "batch " << body.batch_id << ": " << on_chain.error().message();
  }
  EXPECT_GT(checked.size(), 1u);
}

}  // namespace
}  // namespace vs
