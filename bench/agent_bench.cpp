// Agent benchmark (issue: the device agent). Prints, in one run against a
// Mosquitto it starts on 127.0.0.1:
//  - readings/s through the whole agent pipeline (sign, commit, seal, publish,
//    PUBACK) with per-entry signing on and off, each next to the limit the
//    primitives it is made of allow, measured alone in the same run (entry
//    encoding and blinding, per-entry signatures, the store commits, the
//    seal: leaf hashes, Merkle root and one block signature; the publish of a
//    block by a bare Paho client), as a ratio;
//  - per-entry signing rate against the raw Mbed TLS sign rate;
//  - resident memory of the real vitalsign-agent at 10 readings/s, and its
//    stripped size for amd64, arm64 and armhf (the cross builds, if made);
//  - time to first publish after a restart with 1,000,000 unacknowledged
//    entries in the store, against an empty store;
//  - latency from a reading entering the agent to a subscriber verifying it
//    on the live topic, p50 and p99 at 100 readings/s.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include "child_process.h"
#include "connect_and_wait.h"
#include "env_number.h"
#include "mbedtls_baseline.h"
#include "mosquitto_server.h"
#include "support/rate_meter.h"
#include "temp_dir.h"
#include "vs/agent/agent.h"
#include "vs/agent/device_chain.h"
#include "vs/chain/block_sealer.h"
#include "vs/chain/entry_leaf.h"
#include "vs/chain/merkle.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/log.h"
#include "vs/platform/mbedtls_random.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/paho_transport.h"
#include "vs/proto/wire_codec.h"

namespace {

using namespace vs;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Entries per block: $VS_BENCH_BLOCK_ENTRIES, default 64.
std::size_t block_entries() {
  static const std::size_t entries = [] {
    auto parsed = static_cast<std::size_t>(testing::env_number("VS_BENCH_BLOCK_ENTRIES", 0));
    return parsed >= 1 && parsed <= 4096 ? parsed : std::size_t{64};
  }();
  return entries;
}

// Hands the agent readings as fast as it takes them, or at a fixed rate,
// remembering when each one left the sensor.
class BenchSensor final : public agent::Sensor {
 public:
  BenchSensor(std::uint64_t total, double rate_per_s)
      : total_(total), rate_(rate_per_s), start_(Clock::now()) {}
  Result<std::vector<agent::SensorSample>> read(std::chrono::milliseconds timeout) override {
    std::vector<agent::SensorSample> out;
    if (sent_ >= total_) {
      std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(1)));
      return out;
    }
    if (rate_ > 0) {
      auto due = start_ + std::chrono::microseconds(
                              static_cast<std::int64_t>(1e6 * static_cast<double>(sent_) / rate_));
      if (due > Clock::now()) std::this_thread::sleep_until(std::min(due, Clock::now() + timeout));
      if (due > Clock::now()) return out;
    }
    std::size_t batch = rate_ > 0 ? 1 : 64;
    for (std::size_t i = 0; i < batch && sent_ < total_; ++i, ++sent_) {
      out.push_back(proto::Reading{
          proto::VitalKind::kHeartRate, 60 + static_cast<std::int64_t>(sent_ % 40), 0, 0, 0, {}});
      std::lock_guard lock(mutex_);
      sent_at_.push_back(Clock::now());
    }
    return out;
  }
  agent::SensorCounters counters() const override { return {}; }
  Clock::time_point sent_at(std::uint64_t index) {
    std::lock_guard lock(mutex_);
    return sent_at_[index];
  }

 private:
  std::uint64_t total_;
  double rate_;
  Clock::time_point start_;
  std::uint64_t sent_ = 0;
  std::mutex mutex_;
  std::vector<Clock::time_point> sent_at_;
};

struct Rig {
  vs::testing::TempDir dir;
  platform::MbedtlsSha256 sha;
  platform::MbedtlsRandom random;
  std::unique_ptr<platform::MbedtlsSigner> key = platform::MbedtlsSigner::generate().value();
};

std::unique_ptr<platform::LmdbStore> open_store(const std::filesystem::path& dir) {
  platform::LmdbStoreOptions options;
  options.directory = dir;
  options.tables = agent::kAgentTableNames;
  options.max_map_bytes = 4ULL << 30;
  options.initial_map_bytes = 64ULL << 20;
  options.durability = platform::Durability::kGroupCommit;
  return platform::LmdbStore::open(options).value();
}

agent::AgentConfig bench_config(bool sign_entries) {
  agent::AgentConfig config;
  config.seal_max_entries = block_entries();
  config.seal_max_age = 1000ms;
  config.sign_entries = sign_entries;
  config.group_commit = true;
  config.in_flight_window = 32;
  config.broker = "bench";
  return config;
}

// Readings per second from the sensor to every block PUBACKed; also the
// mean block size, for the baseline.
std::pair<double, std::size_t> pipeline_rate(const std::string& broker_uri, bool sign_entries,
                                             std::uint64_t readings) {
  Rig rig;
  auto store = open_store(rig.dir.path() / "data");
  auto chain = agent::DeviceChain::open(*store, *rig.key, rig.sha, rig.random).value();
  BenchSensor sensor(readings, 0);
  platform::PahoTransport transport;
  platform::SystemClock clock;
  bool uplink = !broker_uri.empty();  // without one: to the store only
  agent::Agent agent(bench_config(sign_entries), *chain, *store, sensor,
                     uplink ? &transport : nullptr, clock, rig.sha, nullptr);
  platform::TransportOptions options;
  options.server_uri = broker_uri;
  options.client_id = "bench-agent";
  if (!agent.start(options)) return {0, 0};
  while (uplink && !transport.connected()) std::this_thread::sleep_for(1ms);
  auto start = Clock::now();
  std::uint64_t blocks = (readings + block_entries() - 1) / block_entries();
  while (uplink ? agent.counters().blocks_published < blocks
                : agent.counters().blocks_sealed < blocks) {
    (void)agent.step(5ms);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::size_t block_bytes = chain->block(0).value().value().size();
  (void)agent.shutdown(0ms);
  return {static_cast<double>(readings) / seconds, block_bytes};
}

// A bare Paho publisher: same message size, same QoS and window, no signing,
// no storage. Returns messages/s.
double bare_publish_rate(const std::string& broker_uri, std::size_t message_bytes,
                         std::uint64_t messages, std::size_t window) {
  platform::PahoTransport transport;
  platform::TransportOptions options;
  options.server_uri = broker_uri;
  options.client_id = "bench-bare";
  if (!vs::testing::connect_and_wait(transport, options, [](platform::TransportMessage) {}))
    return 0;
  Bytes payload(message_bytes, 0x5a);
  std::atomic<std::uint64_t> acked{0};
  std::uint64_t sent = 0;
  auto start = Clock::now();
  while (acked < messages) {
    while (sent < messages && sent - acked < window) {
      if (transport.publish("bench/bare", payload, 1, false, [&](Status) { ++acked; })) ++sent;
    }
    std::this_thread::sleep_for(50us);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  transport.stop(100ms);
  return static_cast<double>(messages) / seconds;
}

// The agent's work for one block of N readings, primitive by primitive, each
// timed alone (median of 5 runs): seconds per block. Their sum, divided by
// N, is the time a reading cannot take less than if nothing overlapped.
struct PrimitiveCosts {
  std::size_t entries = 0;
  double encode_s = 0;            // N entries encoded
  double blinding_s = 0;          // N blinding values
  double entry_signatures_s = 0;  // N per-entry signatures
  double store_commits_s = 0;     // N entries committed, then sealed out with the block and tip
  double leaf_hashes_s = 0;       // part of the seal: N leaf hashes
  double merkle_root_s = 0;       // part of the seal: the root over them
  double block_signature_s = 0;   // part of the seal: one ECDSA signature
  double seal_s = 0;              // the whole BlockSealer::seal (the three above, and encoding)
  double publish_s = 0;           // one block published and PUBACKed (bare Paho, same window)

  double block_seconds(bool sign_entries) const {
    return encode_s + blinding_s + (sign_entries ? entry_signatures_s : 0) + store_commits_s +
           seal_s + publish_s;
  }
  double limit_readings_per_s(bool sign_entries) const {
    return static_cast<double>(entries) / block_seconds(sign_entries);
  }
};

PrimitiveCosts measure_primitives(std::size_t entry_count, double publish_blocks_per_s) {
  Rig rig;
  const bench::RateMeter meter(5, 300ms);
  auto per_call = [&](auto&& op) { return 1.0 / meter.median_rate(op); };
  PrimitiveCosts costs;
  costs.entries = entry_count;
  costs.publish_s = 1.0 / publish_blocks_per_s;
  const proto::Entry entry{1, 1'767'225'600'000ULL,
                           proto::Reading{proto::VitalKind::kHeartRate, 72, 0, 0, 0, {}}};
  costs.encode_s = per_call([&] {
    for (std::size_t i = 0; i < entry_count; ++i) (void)proto::WireCodec::encode(entry);
  });
  const Bytes secret(32, 0x11);
  costs.blinding_s = per_call([&] {
    for (std::size_t i = 0; i < entry_count; ++i)
      (void)chain::EntryLeaf::blinding(rig.sha, secret, i);
  });
  chain::BlockSealer sealer(rig.sha, *rig.key);
  const Bytes entry_bytes = proto::WireCodec::encode(entry).value();
  costs.entry_signatures_s = per_call([&] {
    for (std::size_t i = 0; i < entry_count; ++i) (void)sealer.sign_entry(entry_bytes);
  });

  // The two commits a block's readings cost, as DeviceChain makes them:
  // the entries with the next seq, then entries out, block and tip in.
  auto store = open_store(rig.dir.path() / "primitives");
  const Bytes pending_value(41 + 64 + entry_bytes.size(), 0x5a);
  const Bytes block_value(entry_count * (entry_bytes.size() + 40) + 200, 0xa5);
  std::uint64_t next_seq = 0;
  std::uint64_t height = 0;
  costs.store_commits_s = per_call([&] {
    platform::WriteBatch record;
    std::uint64_t first = next_seq;
    for (std::size_t i = 0; i < entry_count; ++i)
      record.put(agent::kPendingTable, platform::u64_key(next_seq++), pending_value);
    record.put(agent::kMetaTable, as_bytes("next_seq"), platform::u64_key(next_seq));
    (void)store->commit(record);
    platform::WriteBatch seal;
    for (std::uint64_t seq = first; seq < next_seq; ++seq)
      seal.erase(agent::kPendingTable, platform::u64_key(seq));
    seal.put(agent::kBlocksTable, platform::u64_key(height++), block_value);
    seal.put(agent::kMetaTable, as_bytes("tip"), Bytes(56, 0x33));
    (void)store->commit(seal);
  });

  std::vector<chain::PendingEntry> pending(entry_count);
  std::vector<Digest> leaves(entry_count);
  for (std::size_t i = 0; i < entry_count; ++i) {
    pending[i].bytes = entry_bytes;
    pending[i].seq = i;
    pending[i].time_ms = entry.time_ms;
    pending[i].blinding = chain::EntryLeaf::blinding(rig.sha, secret, i);
    leaves[i] = chain::EntryLeaf::hash(rig.sha, pending[i].blinding, entry_bytes);
  }
  costs.leaf_hashes_s = per_call([&] {
    for (const auto& item : pending)
      (void)chain::EntryLeaf::hash(rig.sha, item.blinding, item.bytes);
  });
  chain::Merkle merkle(rig.sha);
  costs.merkle_root_s = per_call([&] { (void)merkle.root(leaves); });
  const Digest digest{};
  costs.block_signature_s = per_call([&] { (void)rig.key->sign(digest); });
  chain::SealPosition position;
  position.device_id = chain::DeviceId::from_public_key(rig.sha, rig.key->public_key());
  costs.seal_s = per_call([&] { (void)sealer.seal(position, pending); });
  return costs;
}

double per_entry_sign_rate() {
  Rig rig;
  chain::BlockSealer sealer(rig.sha, *rig.key);
  Bytes entry =
      proto::WireCodec::encode(
          proto::Entry{1, 2, proto::Reading{proto::VitalKind::kHeartRate, 72, 0, 0, 0, {}}})
          .value();
  return bench::RateMeter(5, 300ms).median_rate([&] { (void)sealer.sign_entry(entry); });
}

std::uint64_t rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

std::uint64_t agent_rss_at_10_per_second(const std::string& broker_uri) {
  vs::testing::TempDir dir;
  platform::FileKeyStore keys(dir.path() / "keys");
  if (!keys.create("device")) return 0;
  std::ofstream(dir.path() / "agent.toml")
      << "board = \"sim\"\n[store]\ndata_dir = \"" << (dir.path() / "data").string() << "\"\n"
      << "[mqtt]\nbroker = \"" << broker_uri
      << "\"\n"
      // HR and SpO2 every simulated second, respiration every 5: 2.2 readings per
      // simulated second, so 4.5x real time is about 10 readings/s.
      << "[sim]\nspeed = 4.5\nwaveform = \"none\"\nkey_dir = \"" << (dir.path() / "keys").string()
      << "\"\n";
  vs::testing::ChildProcess agent;
  if (!agent.start({VS_AGENT_BINARY, "--config", (dir.path() / "agent.toml").string()})) return 0;
  std::this_thread::sleep_for(8s);
  std::uint64_t rss = rss_kib(agent.pid());
  agent.kill_and_wait(SIGTERM);
  return rss;
}

// Bytes of `binary` once stripped by `strip_tool` (a copy; the binary stays),
// or nothing when it is not built or the tool is missing.
std::optional<std::uintmax_t> stripped_size(const std::string& strip_tool,
                                            const std::filesystem::path& binary) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(binary, error)) return std::nullopt;
  vs::testing::TempDir dir;
  auto copy = dir.path() / "stripped";
  vs::testing::ChildProcess strip;
  if (!strip.start({strip_tool, "-o", copy.string(), binary.string()}) || strip.wait() != 0)
    return std::nullopt;
  auto size = std::filesystem::file_size(copy, error);
  if (error) return std::nullopt;
  return size;
}

// Seconds from opening the store to the first PUBACKed block.
double time_to_first_publish(const std::filesystem::path& data, platform::MbedtlsSigner& key,
                             const std::string& broker_uri) {
  platform::MbedtlsSha256 sha;
  platform::MbedtlsRandom random;
  auto start = Clock::now();
  auto store = open_store(data);
  auto chain = agent::DeviceChain::open(*store, key, sha, random).value();
  BenchSensor sensor(1, 0);  // an empty store gets one reading to publish
  platform::PahoTransport transport;
  platform::SystemClock clock;
  auto config = bench_config(false);
  config.seal_max_entries = 1;
  agent::Agent agent(config, *chain, *store, sensor, &transport, clock, sha, nullptr);
  platform::TransportOptions options;
  options.server_uri = broker_uri;
  options.client_id = "bench-restart";
  if (!agent.start(options)) return 0;
  while (agent.counters().blocks_published == 0) (void)agent.step(1ms);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  (void)agent.shutdown(0ms);
  return seconds;
}

void fill_store(const std::filesystem::path& data, platform::MbedtlsSigner& key,
                std::uint64_t entries) {
  platform::MbedtlsSha256 sha;
  platform::MbedtlsRandom random;
  auto store = open_store(data);
  auto chain = agent::DeviceChain::open(*store, key, sha, random).value();
  for (std::uint64_t i = 0; i < entries; ++i) {
    (void)chain->record(proto::Reading{proto::VitalKind::kHeartRate, 70, 0, 0, 0, {}},
                        1'767'225'600'000ULL + i, false);
    if (chain->pending_entries() == 256)
      (void)chain->seal(1'767'225'600'000ULL + i, proto::SealReason::kCount, 256);
  }
  (void)chain->seal(1'767'225'600'000ULL + entries, proto::SealReason::kCount, 256);
  (void)store->sync();
}

// Latency from the sensor handing a reading over to a subscriber verifying
// its live message, at `rate` readings/s. Returns sorted latencies in ms.
std::vector<double> live_latencies(const std::string& broker_uri, double rate,
                                   std::uint64_t readings) {
  Rig rig;
  auto store = open_store(rig.dir.path() / "data");
  auto chain = agent::DeviceChain::open(*store, *rig.key, rig.sha, rig.random).value();
  BenchSensor sensor(readings, rate);
  platform::OpensslSha256 subscriber_sha;
  auto device_key = platform::OpensslVerifierFactory().make_verifier(rig.key->public_key()).value();
  std::mutex mutex;
  std::vector<double> latencies;
  platform::PahoTransport subscriber;
  platform::TransportOptions sub_options;
  sub_options.server_uri = broker_uri;
  sub_options.client_id = "bench-dashboard";
  (void)vs::testing::connect_and_wait(
      subscriber, sub_options, [&](platform::TransportMessage message) {
        auto live = proto::WireCodec::decode_live_reading(message.payload);
        if (!live ||
            !device_key->verify(subscriber_sha.digest(live->entry), ByteView(live->signature)))
          return;
        auto entry = proto::WireCodec::decode_entry(live->entry);
        if (!entry) return;
        double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - sensor.sent_at(entry->seq))
                .count();
        std::lock_guard lock(mutex);
        latencies.push_back(ms);
      });
  (void)subscriber.subscribe("vs/v1/+/live", 0);
  std::this_thread::sleep_for(200ms);
  platform::PahoTransport transport;
  platform::SystemClock clock;
  auto config = bench_config(true);
  config.live = true;
  // Each reading committed (and so published live) as it comes: a group
  // window would hold it for up to the window by design.
  config.group_commit = false;
  agent::Agent agent(config, *chain, *store, sensor, &transport, clock, rig.sha, nullptr);
  platform::TransportOptions options;
  options.server_uri = broker_uri;
  options.client_id = "bench-live";
  (void)agent.start(options);
  while (!transport.connected()) std::this_thread::sleep_for(1ms);
  (void)agent.step(0ms);  // take the connection event before readings flow
  auto until =
      Clock::now() + std::chrono::duration<double>(static_cast<double>(readings) / rate + 2.0);
  while (Clock::now() < until) {
    (void)agent.step(2ms);
    std::lock_guard lock(mutex);
    if (latencies.size() >= readings) break;
  }
  (void)agent.shutdown(0ms);
  subscriber.stop(100ms);
  std::sort(latencies.begin(), latencies.end());
  return latencies;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

}  // namespace

int main() {
  platform::set_log_level(platform::LogLevel::kWarning);
  vs::testing::TempDir dir;
  vs::testing::MosquittoServer broker(dir.path() / "broker", {});
  if (!broker.start()) {
    std::fprintf(stderr, "agent_bench: cannot start mosquitto\n");
    return 1;
  }
  std::printf("vitalsign agent_bench on %s; mosquitto on 127.0.0.1:%d\n",
              bench::machine_description().c_str(), broker.port());
  std::printf(
      "store: LMDB without fsync (the disk is not measured here: device_budget_bench); blocks of "
      "%zu entries ($VS_BENCH_BLOCK_ENTRIES); QoS 1, window 32\n\n",
      block_entries());

  // Whole blocks only: a partial last block would wait for its age timer.
  const std::uint64_t kReadings =
      block_entries() * std::max<std::uint64_t>(20, 25'600 / block_entries());
  auto [store_only_rate, store_block_bytes] = pipeline_rate("", false, kReadings);
  (void)store_block_bytes;
  auto [unsigned_rate, block_bytes] = pipeline_rate(broker.uri(), false, kReadings);
  auto [signed_rate, signed_block_bytes] = pipeline_rate(
      broker.uri(), true, block_entries() * std::max<std::uint64_t>(4, 6400 / block_entries()));
  double bare_blocks =
      bare_publish_rate(broker.uri(), block_bytes, kReadings / block_entries() * 4, 32);
  PrimitiveCosts primitives = measure_primitives(block_entries(), bare_blocks);
  double raw_sign = 0;
  {
    platform::bench::MbedtlsBaseline raw;
    Digest digest{};
    raw_sign = bench::RateMeter(5, 300ms).median_rate([&] {
      std::uint8_t signature[64];
      raw.sign(digest, signature);
    });
  }
  double entry_sign = per_entry_sign_rate();

  std::printf("Primitives, each timed alone, per reading (a block's cost / %zu):\n",
              block_entries());
  std::printf("| %-58s | %14s |\n", "primitive", "us/reading");
  bench::print_rule(79);
  auto micros = [&](double block_seconds) {
    return 1e6 * block_seconds / static_cast<double>(block_entries());
  };
  const std::pair<const char*, double> rows[] = {
      {"entry encoding", primitives.encode_s},
      {"entry blinding value", primitives.blinding_s},
      {"per-entry signature (signing on only)", primitives.entry_signatures_s},
      {"store: entries committed, then sealed out with the block", primitives.store_commits_s},
      {"seal: leaf hashes", primitives.leaf_hashes_s},
      {"seal: Merkle root", primitives.merkle_root_s},
      {"seal: one block signature, amortised", primitives.block_signature_s},
      {"seal as a whole: the three above, header, block encoding", primitives.seal_s},
      {"publish of one block, PUBACKed (bare Paho, window 32)", primitives.publish_s},
  };
  for (const auto& [name, seconds] : rows)
    std::printf("| %-58s | %14.2f |\n", name, micros(seconds));
  std::printf("\n");

  std::printf("| %-58s | %14s | %-22s |\n", "measure", "value", "target");
  bench::print_rule(102);
  std::printf("| %-58s | %12.0f/s | %-22s |\n", "agent to the store only, signing off (readings)",
              store_only_rate, "");
  char label[96];
  for (bool sign_entries : {false, true}) {
    double rate = sign_entries ? signed_rate : unsigned_rate;
    double limit = primitives.limit_readings_per_s(sign_entries);
    const char* mode = sign_entries ? "on" : "off";
    std::snprintf(label, sizeof label, "agent pipeline, per-entry signing %s (readings)", mode);
    std::printf("| %-58s | %12.0f/s | %-22s |\n", label, rate, "");
    std::snprintf(label, sizeof label, "limit from its primitives, per-entry signing %s", mode);
    std::printf("| %-58s | %12.0f/s | %-22s |\n", label, limit, "");
    std::snprintf(label, sizeof label, "ratio: pipeline / limit, per-entry signing %s", mode);
    std::printf("| %-58s | %14.2f | %-22s |\n", label, rate / limit, ">= 0.8");
  }
  std::printf("| %-58s | %12.0f/s | %-22s |\n",
              "per-entry signature through BlockSealer::sign_entry", entry_sign, "");
  std::printf("| %-58s | %12.0f/s | %-22s |\n", "raw mbedtls_ecdsa_sign_det_ext", raw_sign, "");
  std::printf("| %-58s | %14.2f | %-22s |\n", "ratio: per-entry signing / raw Mbed TLS sign",
              entry_sign / raw_sign, ">= 0.85");
  (void)signed_block_bytes;

  std::uint64_t rss = agent_rss_at_10_per_second(broker.uri());
  std::printf("| %-58s | %11.1f MB | %-22s |\n", "vitalsign-agent RSS at 10 readings/s (native)",
              static_cast<double>(rss) / 1024.0, "<= 12 MB");
  // The ARM builds scripts/cross_test.sh makes (RSS under qemu-user would be
  // the emulator's, so only their size is reported).
  const std::filesystem::path source(VS_SOURCE_DIR);
  const std::tuple<const char*, std::string, std::filesystem::path> builds[] = {
      {"amd64 (this build)", "/usr/bin/strip", VS_AGENT_BINARY},
      {"arm64 (build/arm64)", "/usr/bin/aarch64-linux-gnu-strip",
       source / "build/arm64/tools/vitalsign-agent"},
      {"armhf (build/armhf)", "/usr/bin/arm-linux-gnueabihf-strip",
       source / "build/armhf/tools/vitalsign-agent"},
  };
  for (const auto& [architecture, strip_tool, binary] : builds) {
    std::snprintf(label, sizeof label, "vitalsign-agent stripped, %s", architecture);
    if (auto size = stripped_size(strip_tool, binary)) {
      std::printf("| %-58s | %11.0f KB | %-22s |\n", label, static_cast<double>(*size) / 1000.0,
                  "");
    } else {
      std::printf("| %-58s | %14s | %-22s |\n", label, "not built", "scripts/cross_test.sh");
    }
  }

  Rig restart;
  double empty = time_to_first_publish(restart.dir.path() / "empty", *restart.key, broker.uri());
  auto fill_start = Clock::now();
  fill_store(restart.dir.path() / "full", *restart.key, 1'000'000);
  double fill_seconds = std::chrono::duration<double>(Clock::now() - fill_start).count();
  double full = time_to_first_publish(restart.dir.path() / "full", *restart.key, broker.uri());
  std::printf("| %-58s | %11.1f ms | %-22s |\n", "first publish after restart, empty store",
              empty * 1000, "");
  std::snprintf(label, sizeof label, "first publish after restart, 1,000,000 unacked entries");
  std::printf("| %-58s | %11.1f ms | %-22s |\n", label, full * 1000, "");
  std::printf("| %-58s | %14.2f | %-22s |\n", "ratio: full / empty", full / empty, "<= 2");

  auto latencies = live_latencies(broker.uri(), 100, 1000);
  std::printf("| %-58s | %11.2f ms | %-22s |\n",
              "live reading -> subscriber verified, p50 (100 readings/s)",
              percentile(latencies, 0.5), "");
  std::printf("| %-58s | %11.2f ms | %-22s |\n",
              "live reading -> subscriber verified, p99 (100 readings/s)",
              percentile(latencies, 0.99), "<= 5 ms");
  std::printf("\n(1,000,000-entry store built in %.1f s; live latency over %zu readings)\n",
              fill_seconds, latencies.size());
  broker.stop();
  return 0;
}
