// Attacks on a running system, each of which must be detected, counted and
// reported with the device id: the real vitalsign-gateway over a real
// Mosquitto (ACL off, so the gateway's own checks are what stop them), and
// an attacker client publishing forged, replayed, tampered and misdirected
// blocks; then forged and tampered receipts sent to a real vitalsign-agent,
// which must not retire its block. Prints the attack table.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "child_process.h"
#include "http_get.h"
#include "mosquitto_server.h"
#include "suite_report.h"
#include "temp_dir.h"
#include "test_device.h"
#include "test_files.h"
#include "vs/agent/device_chain.h"
#include "vs/chain/receipt_signer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/paho_transport.h"
#include "vs/proto/limits.h"

namespace vs {
namespace {

using namespace std::chrono_literals;

using testing::read_file;

struct AttackRow {
  std::string attack;
  int tried = 0;
  int detected = 0;
  std::string how;
};

class AttackSuite : public ::testing::Test {
 protected:
  AttackSuite() : broker_(dir_.path() / "broker", {}) {}

  void SetUp() override {
    ASSERT_TRUE(broker_.start());
    platform::FileKeyStore keys(dir_.path() / "keys");
    ASSERT_TRUE(keys.create("gateway").ok());
    ASSERT_TRUE(keys.create("agent").ok());
    {  // the registry: honest, other and revoked are enrolled; the revoked one revoked
      platform::LmdbStoreOptions options;
      options.directory = dir_.path() / "gateway-data";
      options.tables = gateway::kGatewayTableNames;
      auto store = platform::LmdbStore::open(options).value();
      auto state = gateway::make_key_value_gateway_state(*store);
      gateway::DeviceRegistry registry(*state, sha_, verifiers_);
      for (auto* device : {&honest_, &other_, &revoked_})
        ASSERT_TRUE(registry.enrol(device->public_key()).ok());
      ASSERT_TRUE(registry.revoke(revoked_.id()).ok());
    }
    metrics_port_ = static_cast<std::uint16_t>(testing::free_port());
    std::ofstream(dir_.path() / "gateway.toml")
        << "[store]\ndata_dir = \"" << (dir_.path() / "gateway-data").string() << "\"\n"
        << "[keys]\ndir = \"" << (dir_.path() / "keys").string() << "\"\n"
        << "[mqtt]\nbroker = \"" << broker_.uri() << "\"\n"
        << "[batch]\nmax_blocks = 64\nmax_age_ms = 200\n"
        << "[metrics]\nlisten = \"127.0.0.1:" << metrics_port_ << "\"\n";
    ASSERT_TRUE(
        gateway_.start({VS_GATEWAY_BINARY, "--config", (dir_.path() / "gateway.toml").string()},
                       (dir_.path() / "gateway.log").string()));
    platform::TransportOptions options;
    options.server_uri = broker_.uri();
    options.client_id = "attacker";
    ASSERT_TRUE(attacker_
                    .start(
                        options, [](platform::TransportMessage) {}, [](bool) {})
                    .ok());
    for (int i = 0; i < 500 && (metrics().empty() || !attacker_.connected()); ++i)
      std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(attacker_.connected());
  }
  void TearDown() override { attacker_.stop(200ms); }

  std::string metrics() { return testing::http_get(metrics_port_, "/metrics"); }
  // The most memory the process has held (VmHWM), in KiB.
  static long peak_rss_kib(pid_t pid) {
    std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
    auto at = status.find("VmHWM:");
    return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
  }
  void publish(const std::string& topic, ByteView payload) {
    ASSERT_TRUE(attacker_.publish(topic, payload, 1, false, nullptr).ok());
  }
  std::string blocks_topic(const testing::TestDevice& device) {
    return "vs/v1/" + device.id().hex() + "/blocks";
  }
  // Waits until `sample` reaches `value` in the gateway's metrics.
  double wait_for(const std::string& sample, double value) {
    double seen = -1;
    for (int i = 0; i < 500 && seen < value; ++i) {
      seen = testing::prometheus_value(metrics(), sample);
      if (seen < value) std::this_thread::sleep_for(20ms);
    }
    return seen;
  }

  testing::TempDir dir_;
  testing::MosquittoServer broker_;
  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory verifiers_;
  testing::TestDevice honest_, other_, revoked_, stranger_;
  testing::ChildProcess gateway_;
  platform::PahoTransport attacker_;
  std::uint16_t metrics_port_ = 0;
};

TEST_F(AttackSuite, EveryAttackIsDetectedCountedAndNamesTheDevice) {
  // The honest device's chain: blocks 0..2 accepted.
  std::vector<chain::SealedBlock> chain;
  for (int i = 0; i < 3; ++i) chain.push_back(honest_.seal_next(4));
  // Sent again until taken: the gateway's subscription may lag its connection.
  for (int round = 0;
       round < 20 && testing::prometheus_value(metrics(), "vitalsign_blocks_accepted_total") < 3;
       ++round) {
    for (const auto& block : chain) publish(blocks_topic(honest_), block.encoded);
    for (int i = 0;
         i < 25 && testing::prometheus_value(metrics(), "vitalsign_blocks_accepted_total") < 3; ++i)
      std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(testing::prometheus_value(metrics(), "vitalsign_blocks_accepted_total"), 3)
      << read_file(dir_.path() / "gateway.log");
  chain::SealedBlock next = honest_.seal_next(4);  // height 3, honest, held back for now

  std::vector<AttackRow> rows;
  auto attack = [&](const char* name, const std::string& topic, ByteView payload,
                    const std::string& sample, const std::string& log_says) {
    double before = std::max(0.0, testing::prometheus_value(metrics(), sample));
    publish(topic, payload);
    double after = wait_for(sample, before + 1);
    // The gateway counts a rejection, then logs it: the line may trail the
    // counter by a moment (seen under ASan with other suites running).
    std::string log = read_file(dir_.path() / "gateway.log");
    for (int i = 0; i < 100 && log.find(log_says) == std::string::npos; ++i) {
      std::this_thread::sleep_for(20ms);
      log = read_file(dir_.path() / "gateway.log");
    }
    bool named = log.find(log_says) != std::string::npos;
    rows.push_back({name, 1, after >= before + 1 && named ? 1 : 0, sample});
    EXPECT_GE(after, before + 1) << name;
    EXPECT_TRUE(named) << name << ": the log does not say '" << log_says << "'\n" << log;
  };
  std::string honest_id = honest_.id().hex();

  {  // A block under the honest device's id, signed with another key.
    testing::TestDevice impostor;
    std::vector<chain::PendingEntry> entries;
    for (std::uint64_t seq = 12; seq < 16; ++seq)
      entries.push_back(honest_.pending(testing::heart_rate_entry(seq, 190), false));
    chain::SealPosition position;
    position.device_id = honest_.id();
    position.height = 3;
    position.previous_hash = chain.back().hash;
    position.sealed_time_ms = 1'760'000'100'000ULL;
    auto forged = chain::BlockSealer(sha_, impostor.signer()).seal(position, entries).value();
    attack("block signed with another key", blocks_topic(honest_), forged.encoded,
           "vitalsign_blocks_rejected_total{reason=\"bad_signature\"}",
           honest_id + "/blocks (height 3): bad_signature");
  }
  attack("block under another device's topic", blocks_topic(other_), next.encoded,
         "vitalsign_blocks_rejected_total{reason=\"topic_mismatch\"}",
         other_.id().hex() + "/blocks (height 3): topic_mismatch");
  attack("replayed old block", blocks_topic(honest_), chain[0].encoded,
         "vitalsign_blocks_duplicate_total", "");
  {  // A validly signed header whose entry was changed afterwards.
    proto::Block tampered = next.block;
    auto entry = proto::WireCodec::decode_entry(tampered.entries[0]).value();
    std::get<proto::Reading>(entry.body).mantissa = 40;
    tampered.entries[0] = proto::WireCodec::encode(entry).value();
    tampered.entry_signatures.clear();
    attack("valid signature, tampered entry", blocks_topic(honest_),
           proto::WireCodec::encode(tampered).value(),
           "vitalsign_blocks_rejected_total{reason=\"bad_content\"}",
           honest_id + "/blocks (height 3): bad_content");
  }
  {  // A second, different block at a height already accepted.
    std::vector<proto::Entry> entries;
    for (std::uint64_t seq = 4; seq < 8; ++seq)
      entries.push_back(testing::heart_rate_entry(seq, 55));
    auto second = honest_.seal_at(1, chain[0].hash, entries);
    attack("two blocks at one height (equivocation)", blocks_topic(honest_), second.encoded,
           "vitalsign_equivocations_total", "EQUIVOCATION by device " + honest_id);
  }
  attack("unknown device", blocks_topic(stranger_), stranger_.seal_next(2).encoded,
         "vitalsign_blocks_rejected_total{reason=\"unknown_device\"}",
         stranger_.id().hex() + "/blocks (height 0): unknown_device");
  attack("revoked device", blocks_topic(revoked_), revoked_.seal_next(2).encoded,
         "vitalsign_blocks_rejected_total{reason=\"revoked_device\"}",
         revoked_.id().hex() + "/blocks (height 0): revoked_device");
  {  // A payload far over the largest block: the broker is told not to send it.
    auto peak_before = peak_rss_kib(gateway_.pid());
    Bytes huge(20 * 1024 * 1024, 0x0a);
    publish(blocks_topic(honest_), huge);
    // A marker behind it on the same connection: once it is counted, the huge
    // one has been dealt with (the broker forwards in order).
    double before =
        std::max(0.0, testing::prometheus_value(metrics(), "vitalsign_blocks_duplicate_total"));
    publish(blocks_topic(honest_), chain[1].encoded);
    double after = wait_for("vitalsign_blocks_duplicate_total", before + 1);
    auto peak_after = peak_rss_kib(gateway_.pid());
    bool bounded = after >= before + 1 && peak_after - peak_before < 10 * 1024;
    EXPECT_TRUE(bounded) << "peak RSS " << peak_before << " -> " << peak_after << " KiB";
    std::printf("20 MiB payload: gateway peak RSS %ld -> %ld KiB\n", peak_before, peak_after);
    EXPECT_LE(testing::prometheus_value(metrics(),
                                        "vitalsign_blocks_rejected_total{reason=\"malformed\"}"),
              0);  // it never reached the decoder
    rows.push_back({"20 MiB payload (over the 8 MiB block limit)", 1, bounded ? 1 : 0,
                    "not delivered: MQTT v5 maximum packet size"});
  }
  {  // A flood from an id nobody enrolled: every block counted, the log stays short.
    const std::string sample = "vitalsign_blocks_rejected_total{reason=\"unknown_device\"}";
    double before = std::max(0.0, testing::prometheus_value(metrics(), sample));
    Bytes flood = stranger_.seal_next(1).encoded;
    for (int i = 0; i < 500; ++i) publish(blocks_topic(stranger_), flood);
    double after = wait_for(sample, before + 500);
    std::size_t lines =
        testing::count_occurrences(read_file(dir_.path() / "gateway.log"), "unknown_device: ");
    bool quiet = after >= before + 500 && lines <= 12;
    EXPECT_TRUE(quiet) << after - before << " counted, " << lines << " log lines";
    rows.push_back({"flood of 500 blocks from an unknown id", 1, quiet ? 1 : 0,
                    "counted each; at most 10 log lines per reason per 10 s"});
  }
  // After all that, the honest block at height 3 is still taken.
  publish(blocks_topic(honest_), next.encoded);
  EXPECT_EQ(wait_for("vitalsign_blocks_accepted_total", 4), 4);

  // Forged and tampered receipts at a real agent, on a prefix no gateway
  // serves: only the attacker's receipts ever reach it.
  std::filesystem::path agent_data = dir_.path() / "agent-data";
  std::ofstream(dir_.path() / "agent.toml")
      << "board = \"sim\"\n[keys]\nname = \"agent\"\n[store]\ndata_dir = \"" << agent_data.string()
      << "\"\n[seal]\nmax_entries = 8\nmax_age_ms = 100\n"
      << "[mqtt]\nbroker = \"" << broker_.uri() << "\"\ntopic_prefix = \"rig/v1\"\n"
      << "[gateway]\npublic_key = \"" << (dir_.path() / "keys" / "gateway.pub.pem").string()
      << "\"\n[sim]\nspeed = 50\nwaveform = \"none\"\nkey_dir = \""
      << (dir_.path() / "keys").string() << "\"\n";
  testing::ChildProcess agent;
  ASSERT_TRUE(agent.start({VS_AGENT_BINARY, "--config", (dir_.path() / "agent.toml").string()},
                          (dir_.path() / "agent.log").string()));
  std::optional<proto::Block> block0;
  chain::DeviceId agent_id;
  for (int i = 0; i < 500 && !block0; ++i) {
    std::this_thread::sleep_for(20ms);
    platform::LmdbStoreOptions options;
    options.directory = agent_data;
    options.tables = agent::kAgentTableNames;
    options.read_only = true;
    auto store = platform::LmdbStore::open(options);
    if (!store) continue;
    auto stored = (*store)->get(agent::kBlocksTable, platform::u64_key(0));
    if (stored && *stored) block0 = proto::WireCodec::decode_block(**stored).value();
  }
  ASSERT_TRUE(block0) << read_file(dir_.path() / "agent.log");
  auto header = proto::WireCodec::decode_block_header(block0->header).value();
  agent_id = chain::DeviceId::from_bytes(header.device_id).value();
  Digest block_hash = sha_.digest(block0->header);
  proto::ReceiptBody body;
  body.version = proto::kReceiptVersion;
  body.device_id = header.device_id;
  body.block_height = 0;
  body.block_hash.assign(block_hash.begin(), block_hash.end());
  body.state = proto::ReceiptState::kAnchored;
  body.batch_id = 1;
  Digest root = sha_.digest({as_bytes(std::string(1, '\0')), ByteView(block_hash)});
  body.batch_root.assign(root.begin(), root.end());
  body.batch_size = 1;
  body.ledger.kind = proto::LedgerKind::kLocal;
  body.ledger.chain_id = "attacker";
  std::string receipts_topic = "rig/v1/" + agent_id.hex() + "/receipts";
  auto attacker_key = platform::MbedtlsSigner::generate().value();
  Bytes forged = chain::ReceiptSigner(sha_, *attacker_key).sign_encoded(body).value();
  platform::FileKeyStore keys(dir_.path() / "keys");
  auto gateway_key = keys.load("gateway").value();
  proto::ReceiptBody wrong = body;
  wrong.block_hash[0] ^= 1;  // the gateway's own key, for a block the device never sealed
  Bytes misdirected = chain::ReceiptSigner(sha_, *gateway_key).sign_encoded(wrong).value();
  std::string agent_log;
  for (int i = 0; i < 500 && agent_log.find("uplink connected") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    agent_log = read_file(dir_.path() / "agent.log");
  }
  // Sent again until both arrive (a subscription may lag its connection).
  for (int round = 0;
       round < 10 && testing::count_occurrences(agent_log, "receipt rejected, block kept") < 2;
       ++round) {
    publish(receipts_topic, forged);
    publish(receipts_topic, misdirected);
    for (int i = 0;
         i < 25 && testing::count_occurrences(agent_log, "receipt rejected, block kept") < 2; ++i) {
      std::this_thread::sleep_for(20ms);
      agent_log = read_file(dir_.path() / "agent.log");
    }
  }
  // Resend requests: one under another key, then a genuine one (the
  // gateway's key) taken once and refused when replayed.
  std::string resend_topic = "rig/v1/" + agent_id.hex() + "/resend";
  proto::ResendRequest ask;
  ask.version = proto::kControlVersion;
  ask.device_id = header.device_id;
  ask.from_height = 0;
  ask.to_height = 0;
  ask.reason = "gap";
  ask.time_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  ask.nonce = Bytes(16, 0x33);
  Bytes forged_ask = chain::ReceiptSigner(sha_, *attacker_key).sign_encoded(ask).value();
  Bytes genuine_ask = chain::ReceiptSigner(sha_, *gateway_key).sign_encoded(ask).value();
  publish(resend_topic, forged_ask);
  publish(resend_topic, genuine_ask);
  for (int replay = 0; replay < 3; ++replay) publish(resend_topic, genuine_ask);
  for (int i = 0; i < 250 && testing::count_occurrences(agent_log, "resend request refused") < 4;
       ++i) {
    std::this_thread::sleep_for(20ms);
    agent_log = read_file(dir_.path() / "agent.log");
  }
  agent.kill_and_wait(SIGTERM);
  agent_log = read_file(dir_.path() / "agent.log");
  int resend_caught =
      (agent_log.find("resend request refused: resend request names a gateway key other") !=
       std::string::npos) +
      static_cast<int>(testing::count_occurrences(agent_log, "nonce was seen before (a replay)"));
  EXPECT_EQ(resend_caught, 4) << agent_log;
  EXPECT_EQ(testing::count_occurrences(agent_log, "gateway asked for heights 0..0"), 1u)
      << agent_log;
  rows.push_back(
      {"forged or replayed resend request", 4, resend_caught, "agent: resend request refused"});
  std::size_t rejected = testing::count_occurrences(agent_log, "receipt rejected, block kept");
  EXPECT_GE(rejected, 2u) << agent_log;
  EXPECT_EQ(agent_log.find("receipt for block 0 verified"), std::string::npos) << agent_log;
  platform::LmdbStoreOptions options;
  options.directory = agent_data;
  options.tables = agent::kAgentTableNames;
  options.read_only = true;
  auto store = platform::LmdbStore::open(options).value();
  auto view = store->snapshot().value();
  auto snapshot = agent::DeviceChain::inspect(*view).value();
  EXPECT_EQ(snapshot.retired_below, 0u);  // block 0 is still the device's to deliver
  // Each forgery rejected for its own reason, and the block not retired.
  bool kept = snapshot.retired_below == 0;
  int caught = (agent_log.find("gateway key other than the trusted one") != std::string::npos) +
               (agent_log.find("another block at this height") != std::string::npos);
  EXPECT_EQ(caught, 2) << agent_log;
  rows.push_back({"forged or tampered receipt to a device", 2, kept ? caught : 0,
                  "agent: receipt rejected, block kept"});

  std::printf("\n%-42s %6s %9s  %s\n", "attack", "tried", "detected", "counted as");
  int tried = 0, detected = 0;
  for (const AttackRow& row : rows) {
    std::printf("%-42s %6d %9d  %s\n", row.attack.c_str(), row.tried, row.detected,
                row.how.c_str());
    tried += row.tried;
    detected += row.detected;
    testing::report_row(
        {"attack: " + row.attack, row.tried, -1, -1, -1, 0, 0, row.tried, row.detected});
  }
  std::printf("%-42s %6d %9d  undetected: %d\n\n", "all", tried, detected, tried - detected);
  EXPECT_EQ(tried, detected);
}

}  // namespace
}  // namespace vs
