// Device budget benchmark (issue: on real devices). Runs the real
// vitalsign-agent on the sim board at speed 1 (a patient's pace: vitals and,
// with a waveform, one ECG segment a second), with a real Mosquitto and a
// real vitalsign-gateway on the local ledger so that receipts come back and
// retire blocks, as on a device in the field. All agents run at once, one per
// configuration, each its own device. Over the measured interval (after a
// warm-up) it prints per reading:
//  - flash bytes written: /proc/PID/io write_bytes of the agent (bytes the
//    process sent towards the disk, page cache writeback included), next to
//    the bytes its blocks keep in the store;
//  - CPU time: user + system from /proc/PID/stat;
//  - wire bytes: MQTT payloads of its blocks and receipts, next to the
//    entries' own bytes.
// $VS_BENCH_SECONDS sets the measured interval (default 60).
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "child_process.h"
#include "env_number.h"
#include "mosquitto_server.h"
#include "support/rate_meter.h"
#include "temp_dir.h"
#include "test_files.h"
#include "vs/agent/agent_store.h"
#include "vs/agent/device_chain.h"
#include "vs/chain/device_id.h"
#include "vs/chain/opened_block.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/paho_transport.h"

namespace {

using namespace vs;
using namespace std::chrono_literals;

struct Setup {
  const char* label;
  const char* waveform;     // [sim] waveform
  const char* store_lines;  // under [store]
  const char* seal_lines = "";
};

// Blocks sealed at 30, 60 or 120 s (or 1024 entries), with a window as
// long: one transaction carries a block of about 100, 200 or 400 readings
// (ECG + vitals) or 70, 140 or 280 (vitals only).
constexpr const char* k30sBlocks = "max_age_ms = 30000\nmax_entries = 1024\n";
constexpr const char* k60sBlocks = "max_age_ms = 60000\nmax_entries = 1024\n";
constexpr const char* k120sBlocks = "max_age_ms = 120000\nmax_entries = 1024\n";

const Setup kSetups[] = {
    {"ECG + vitals, every_commit", "ecg", "durability = \"every_commit\"\n"},
    {"ECG + vitals, group, 1 s window", "ecg", "durability = \"group\"\n"},
    {"ECG + vitals, group, 10 s window", "ecg",
     "durability = \"group\"\ngroup_commit_window_ms = 10000\n"},
    {"ECG + vitals, group, 30 s, 30 s blocks", "ecg",
     "durability = \"group\"\ngroup_commit_window_ms = 30000\n", k30sBlocks},
    {"ECG + vitals, group, 60 s, 60 s blocks", "ecg",
     "durability = \"group\"\ngroup_commit_window_ms = 60000\n", k60sBlocks},
    {"vitals only, every_commit", "none", "durability = \"every_commit\"\n"},
    {"vitals only, group, 10 s window", "none",
     "durability = \"group\"\ngroup_commit_window_ms = 10000\n"},
    {"vitals only, group, 60 s, 60 s blocks", "none",
     "durability = \"group\"\ngroup_commit_window_ms = 60000\n", k60sBlocks},
    {"vitals only, group, 120 s, 120 s blocks", "none",
     "durability = \"group\"\ngroup_commit_window_ms = 120000\n", k120sBlocks},
};

// What the kernel and the store say about one agent at one instant.
struct Sample {
  std::uint64_t write_bytes = 0;
  std::uint64_t cpu_ticks = 0;  // utime + stime
  std::uint64_t readings = 0;   // next seq: readings committed so far
};

std::uint64_t proc_io_write_bytes(pid_t pid) {
  std::ifstream io("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  std::uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return 0;
}

std::uint64_t proc_cpu_ticks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start at ") ".
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return utime + stime;
}

std::uint64_t committed_readings(const std::filesystem::path& data) {
  auto store = agent::open_agent_store({data, true});
  if (!store) return 0;
  auto view = (*store)->snapshot();
  if (!view) return 0;
  auto chain = agent::DeviceChain::inspect(**view);
  return chain ? chain->next_seq : 0;
}

struct StoredBytes {
  std::uint64_t entries = 0;      // entries in sealed blocks
  std::uint64_t block_bytes = 0;  // the blocks as stored (and sent)
  std::uint64_t entry_bytes = 0;  // the entries' own encoded bytes
};

StoredBytes stored_bytes(const std::filesystem::path& data) {
  StoredBytes out;
  auto store = agent::open_agent_store({data, true});
  if (!store) return out;
  auto view = (*store)->snapshot();
  if (!view) return out;
  platform::OpensslSha256 sha;
  auto blocks = agent::stored_blocks(**view, 0, 1'000'000);
  if (!blocks) return out;
  for (const auto& [height, bytes] : *blocks) {
    auto opened = chain::OpenedBlock::open(sha, bytes);
    if (!opened) continue;
    out.block_bytes += bytes.size();
    out.entries += opened->block.entries.size();
    for (const auto& entry : opened->block.entries) out.entry_bytes += entry.size();
  }
  return out;
}

}  // namespace

int main() {
  const auto seconds = static_cast<int>(testing::env_number("VS_BENCH_SECONDS", 60));
  const std::size_t agents = std::size(kSetups);
  testing::TempDir dir;
  testing::MosquittoServer broker(dir.path() / "broker", {});
  if (!broker.start()) {
    std::fprintf(stderr, "device_budget_bench: mosquitto did not start\n");
    return 1;
  }

  // The gateway, with every agent's key enrolled.
  platform::FileKeyStore keys(dir.path() / "keys");
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  if (!keys.create("gateway")) return 1;
  std::vector<std::string> device_hex;
  {
    auto store =
        testing::open_store(dir.path() / "gateway-data", gateway::kGatewayTableNames, false);
    auto state = gateway::make_key_value_gateway_state(*store);
    gateway::DeviceRegistry registry(*state, sha, verifiers);
    for (std::size_t i = 0; i < agents; ++i) {
      auto device = keys.create("device-" + std::to_string(i));
      if (!device || !registry.enrol((*device)->public_key())) return 1;
      device_hex.push_back(chain::DeviceId::from_public_key(sha, (*device)->public_key()).hex());
    }
  }
  std::ofstream(dir.path() / "gateway.toml")
      << "[store]\ndata_dir = \"" << (dir.path() / "gateway-data").string() << "\"\n"
      << "[keys]\ndir = \"" << (dir.path() / "keys").string() << "\"\n"
      << "[mqtt]\nbroker = \"" << broker.uri() << "\"\n"
      << "[batch]\nmax_age_ms = 1000\n";
  testing::ChildProcess gateway;
  if (!gateway.start({VS_GATEWAY_BINARY, "--config", (dir.path() / "gateway.toml").string()},
                     (dir.path() / "gateway.log").string())) {
    return 1;
  }

  // Wire bytes per device, counted on the broker between the two samples.
  std::mutex wire_mutex;
  bool counting = false;
  std::map<std::string, std::uint64_t> block_wire, receipt_wire;
  platform::PahoTransport watcher;
  platform::TransportOptions watch_options;
  watch_options.server_uri = broker.uri();
  watch_options.client_id = "budget-watcher";
  (void)watcher.start(
      watch_options,
      [&](platform::TransportMessage message) {
        // vs/v1/<device>/<leaf>
        std::string rest = message.topic.substr(6);
        std::string device = rest.substr(0, rest.find('/'));
        std::string leaf = rest.substr(rest.find('/') + 1);
        std::lock_guard lock(wire_mutex);
        if (!counting) return;
        if (leaf == "blocks") block_wire[device] += message.payload.size();
        if (leaf == "receipts") receipt_wire[device] += message.payload.size();
      },
      nullptr);
  (void)watcher.subscribe("vs/v1/+/blocks", 1);
  (void)watcher.subscribe("vs/v1/+/receipts", 1);

  // The agents' logs go to memory (tmpfs) when there is one: on a device
  // they go to journald, whose own writes are its Storage= setting's, not
  // the agent's store's.
  std::filesystem::path log_dir = dir.path();
  std::error_code no_shm;
  if (std::filesystem::is_directory("/dev/shm", no_shm)) {
    log_dir = "/dev/shm/vs-budget-" + std::to_string(::getpid());
    std::filesystem::create_directories(log_dir, no_shm);
  }
  std::vector<std::unique_ptr<testing::ChildProcess>> running;
  for (std::size_t i = 0; i < agents; ++i) {
    auto data = dir.path() / ("agent-" + std::to_string(i));
    std::ofstream(dir.path() / ("agent-" + std::to_string(i) + ".toml"))
        << "board = \"sim\"\n[keys]\nname = \"device-" << i << "\"\n"
        << "[store]\ndata_dir = \"" << data.string() << "\"\n"
        << kSetups[i].store_lines << "[seal]\n"
        << kSetups[i].seal_lines << "[mqtt]\nbroker = \"" << broker.uri() << "\"\n"
        << "[gateway]\npublic_key = \"" << (dir.path() / "keys" / "gateway.pub.pem").string()
        << "\"\n[sim]\nseed = " << i + 1 << "\nwaveform = \"" << kSetups[i].waveform
        << "\"\nkey_dir = \"" << (dir.path() / "keys").string() << "\"\n";
    running.push_back(std::make_unique<testing::ChildProcess>());
    if (!running.back()->start({VS_AGENT_BINARY, "--config",
                                (dir.path() / ("agent-" + std::to_string(i) + ".toml")).string()},
                               (log_dir / ("agent-" + std::to_string(i) + ".log")).string())) {
      return 1;
    }
  }

  auto sample = [&](std::size_t i) {
    pid_t pid = running[i]->pid();
    return Sample{proc_io_write_bytes(pid), proc_cpu_ticks(pid),
                  committed_readings(dir.path() / ("agent-" + std::to_string(i)))};
  };
  std::this_thread::sleep_for(15s);  // warm-up: stores made, first blocks sealed and retired
  std::vector<Sample> before, after;
  for (std::size_t i = 0; i < agents; ++i) before.push_back(sample(i));
  {
    std::lock_guard lock(wire_mutex);
    counting = true;
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  for (std::size_t i = 0; i < agents; ++i) after.push_back(sample(i));
  {
    std::lock_guard lock(wire_mutex);
    counting = false;
  }
  for (auto& agent : running) agent->kill_and_wait(SIGTERM);
  watcher.stop(100ms);
  gateway.kill_and_wait(SIGTERM);

  const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::printf("## Device budget per reading: real agent, sim board at speed 1, %d s measured\n\n",
              seconds);
  std::printf("machine: %s; stores in %s, agent logs in %s\n\n",
              vs::bench::machine_description().c_str(), dir.path().c_str(), log_dir.c_str());
  std::printf("| %-40s | %8s | %12s | %12s | %8s | %10s | %11s | %11s | %11s |\n", "setup",
              "readings", "flash B/rd", "block B/rd", "flash/blk", "CPU ms/rd", "blocks B/rd",
              "rcpts B/rd", "entry B/rd");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(42, '-').c_str(),
              std::string(10, '-').c_str(), std::string(14, '-').c_str(),
              std::string(14, '-').c_str(), std::string(10, '-').c_str(),
              std::string(12, '-').c_str(), std::string(13, '-').c_str(),
              std::string(13, '-').c_str(), std::string(13, '-').c_str());
  bool keep_logs = false;
  for (std::size_t i = 0; i < agents; ++i) {
    auto readings = static_cast<double>(after[i].readings - before[i].readings);
    if (readings <= 0) {
      std::printf("| %-40s | no readings measured (see %s/agent-%zu.log)\n", kSetups[i].label,
                  log_dir.c_str(), i);
      keep_logs = true;
      continue;
    }
    StoredBytes stored = stored_bytes(dir.path() / ("agent-" + std::to_string(i)));
    double block_per_reading = stored.entries > 0 ? static_cast<double>(stored.block_bytes) /
                                                        static_cast<double>(stored.entries)
                                                  : 0;
    double flash = static_cast<double>(after[i].write_bytes - before[i].write_bytes) / readings;
    double cpu_ms = static_cast<double>(after[i].cpu_ticks - before[i].cpu_ticks) /
                    ticks_per_second * 1000.0 / readings;
    std::lock_guard lock(wire_mutex);
    std::printf(
        "| %-40s | %8.0f | %12.0f | %12.0f | %7.1fx | %10.2f | %11.0f | %11.0f | %11.0f |\n",
        kSetups[i].label, readings, flash, block_per_reading,
        block_per_reading > 0 ? flash / block_per_reading : 0.0, cpu_ms,
        static_cast<double>(block_wire[device_hex[i]]) / readings,
        static_cast<double>(receipt_wire[device_hex[i]]) / readings,
        stored.entries > 0
            ? static_cast<double>(stored.entry_bytes) / static_cast<double>(stored.entries)
            : 0.0);
  }
  std::printf(
      "\nflash B/rd: write_bytes of the agent process over the interval / readings committed in it;"
      "\nblock B/rd: the sealed blocks' bytes (entries, entry signatures, blindings, header, block"
      "\nsignature) / their entries: what the store keeps per reading; target for group: flash/blk"
      "\n<= 3x. Wire bytes are MQTT payloads (topic and header add about 50 B a message). CPU time"
      "\nis in %.0f Hz ticks: with few readings, read it as an order of magnitude.\n",
      ticks_per_second);
  if (!keep_logs && log_dir != dir.path()) std::filesystem::remove_all(log_dir, no_shm);
  return 0;
}
