// Agent benchmark (issue: the device agent). Prints, in one run against a
// Mosquitto it starts on 127.0.0.1:
//  - readings/s through the whole agent pipeline (sign, commit, seal, publish,
//    PUBACK) with per-entry signing on and off, next to a bare Paho publisher
//    sending messages of the agent's block size (no signing, no storage);
//  - per-entry signing rate against the raw Mbed TLS sign rate;
//  - resident memory of the real vitalsign-agent at 10 readings/s;
//  - time to first publish after a restart with 1,000,000 unacknowledged
//    entries in the store, against an empty store;
//  - latency from a reading entering the agent to a subscriber verifying it
//    on the live topic, p50 and p99 at 100 readings/s.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "child_process.h"
#include "connect_and_wait.h"
#include "env_number.h"
#include "mbedtls_baseline.h"
#include "mosquitto_server.h"
#include "support/rate_meter.h"
#include "temp_dir.h"
#include "vs/agent/agent.h"
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
      "store: LMDB, group commit; blocks of %zu entries ($VS_BENCH_BLOCK_ENTRIES); QoS 1, window "
      "32\n\n",
      block_entries());

  // Whole blocks only: a partial last block would wait for its age timer.
  const std::uint64_t kReadings =
      block_entries() * std::max<std::uint64_t>(20, 25'600 / block_entries());
  auto [store_only_rate, store_block_bytes] = pipeline_rate("", false, kReadings);
  (void)store_block_bytes;
  auto [unsigned_rate, block_bytes] = pipeline_rate(broker.uri(), false, kReadings);
  auto [signed_rate, signed_block_bytes] = pipeline_rate(
      broker.uri(), true, block_entries() * std::max<std::uint64_t>(4, 6400 / block_entries()));
  double bare = bare_publish_rate(broker.uri(), block_bytes, kReadings / block_entries() * 4, 32);
  double bare_readings =
      bare * static_cast<double>(block_entries());  // a block's readings per message
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

  std::printf("| %-58s | %14s | %-22s |\n", "measure", "value", "target");
  bench::print_rule(102);
  std::printf("| %-58s | %12.0f/s | %-22s |\n", "agent to the store only, signing off (readings)",
              store_only_rate, "");
  std::printf("| %-58s | %12.0f/s | %-22s |\n", "agent pipeline, per-entry signing off (readings)",
              unsigned_rate, "");
  std::printf("| %-58s | %12.0f/s | %-22s |\n", "agent pipeline, per-entry signing on (readings)",
              signed_rate, "");
  char label[96];
  std::snprintf(label, sizeof label, "bare Paho publisher, %zu B messages (x%zu readings)",
                block_bytes, block_entries());
  std::printf("| %-58s | %12.0f/s | %-22s |\n", label, bare_readings, "baseline");
  std::printf("| %-58s | %14.2f | %-22s |\n", "ratio: pipeline (signing off) / bare publisher",
              unsigned_rate / bare_readings, ">= 0.5");
  std::printf("| %-58s | %12.0f/s | %-22s |\n",
              "per-entry signature through BlockSealer::sign_entry", entry_sign, "");
  std::printf("| %-58s | %12.0f/s | %-22s |\n", "raw mbedtls_ecdsa_sign_det_ext", raw_sign, "");
  std::printf("| %-58s | %14.2f | %-22s |\n", "ratio: per-entry signing / raw Mbed TLS sign",
              entry_sign / raw_sign, ">= 0.85");
  std::printf("| %-58s | %14.2f | %-22s |\n", "ratio: pipeline (signing on) / raw Mbed TLS sign",
              signed_rate / raw_sign, "");
  (void)signed_block_bytes;

  std::uint64_t rss = agent_rss_at_10_per_second(broker.uri());
  std::printf("| %-58s | %11.1f MB | %-22s |\n", "vitalsign-agent RSS at 10 readings/s",
              static_cast<double>(rss) / 1024.0, "<= 12 MB");

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
