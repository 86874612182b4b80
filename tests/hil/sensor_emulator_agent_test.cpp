// Hardware in the loop, with the emulator in place of the hardware: the real
// vitalsign-sensor-emulator on a pseudo-terminal, the real vitalsign-agent on
// the serial board reading it, faults injected on a script (line noise, bad
// checksums, cut frames, a burst, an unplug, silence). The far end is checked
// against what the emulator says it sent: every good frame is committed
// exactly once, in order, and every bad one is counted, none fatal.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "child_process.h"
#include "suite_report.h"
#include "temp_dir.h"
#include "vs/agent/device_chain.h"
#include "vs/board/serial_frame_parser.h"
#include "vs/platform/lmdb_store.h"
#include "vs/proto/wire_codec.h"

namespace vs {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::uint64_t json_number(const std::string& json, const std::string& name) {
  auto at = json.find("\"" + name + "\":");
  if (at == std::string::npos) return ~0ULL;
  return std::stoull(json.substr(at + name.size() + 3));
}

// The payload of every reading in the agent's chain, in seq order, as the
// serial line protocol writes it; and every seq, to check none repeats.
void read_chain(const std::filesystem::path& data, std::vector<std::string>& payloads,
                std::vector<std::uint64_t>& seqs) {
  platform::LmdbStoreOptions options;
  options.directory = data;
  options.tables = agent::kAgentTableNames;
  options.read_only = true;
  auto store = platform::LmdbStore::open(options).value();
  auto blocks = store->scan(agent::kBlocksTable, {}, 100000).value();
  for (const auto& record : blocks) {
    auto block = proto::WireCodec::decode_block(record.value).value();
    for (const auto& bytes : block.entries) {
      auto entry = proto::WireCodec::decode_entry(bytes).value();
      seqs.push_back(entry.seq);
      if (const auto* reading = std::get_if<proto::Reading>(&entry.body))
        payloads.push_back(board::SerialFrameParser::payload(*reading));
    }
  }
}

struct Scenario {
  const char* name;
  std::string script;
  std::uint64_t bad_frames;
  std::uint64_t disconnects;
};

class SensorEmulatorAgentTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(SensorEmulatorAgentTest, EveryGoodFrameIsCommittedOnceAndEveryBadOneCounted) {
  const Scenario& scenario = GetParam();
  testing::TempDir dir;
  auto keygen = testing::ChildProcess();
  ASSERT_TRUE(
      keygen.start({VS_VITALSIGN_BINARY, "keygen", "--dir", (dir.path() / "keys").string()}));
  ASSERT_EQ(keygen.wait(), 0);
  std::ofstream(dir.path() / "faults.txt") << scenario.script;
  std::ofstream(dir.path() / "agent.toml")
      << "board = \"serial\"\n[store]\ndata_dir = \"" << (dir.path() / "data").string()
      << "\"\n[seal]\nmax_entries = 16\nmax_age_ms = 500\n[serial]\ndevice = \""
      << (dir.path() / "tty").string() << "\"\nkey_dir = \"" << (dir.path() / "keys").string()
      << "\"\n";

  testing::ChildProcess emulator;
  ASSERT_TRUE(emulator.start(
      {VS_EMULATOR_BINARY, "--link", (dir.path() / "tty").string(), "--scenario",
       VS_TACHYCARDIA_SCENARIO, "--speed", "5", "--duration-ms", "4000", "--script",
       (dir.path() / "faults.txt").string(), "--sent", (dir.path() / "sent.txt").string()},
      "/dev/stdout"));
  for (int i = 0; i < 200 && !std::filesystem::exists(dir.path() / "tty"); ++i)
    std::this_thread::sleep_for(10ms);
  testing::ChildProcess agent;
  ASSERT_TRUE(agent.start({VS_AGENT_BINARY, "--config", (dir.path() / "agent.toml").string()},
                          "/dev/stdout"));
  int emulator_status = emulator.wait();  // it drains: the agent has read every frame it sent
  ASSERT_EQ(emulator_status, 0) << emulator.output();
  std::this_thread::sleep_for(300ms);  // the last frames go from the parser into the chain
  agent.kill_and_wait(SIGTERM);        // seals what is pending
  std::string summary = emulator.output();

  std::vector<std::string> sent = lines_of(dir.path() / "sent.txt");
  std::vector<std::string> committed;
  std::vector<std::uint64_t> seqs;
  read_chain(dir.path() / "data", committed, seqs);
  EXPECT_EQ(json_number(summary, "frames_sent"), sent.size()) << summary;
  EXPECT_GT(sent.size(), 30u);
  std::size_t same = 0;
  while (same < committed.size() && same < sent.size() && committed[same] == sent[same]) ++same;
  EXPECT_TRUE(same == sent.size() && same == committed.size())
      << "sent " << sent.size() << " good frames, the chain holds " << committed.size()
      << " readings, the same up to #" << same << "\n"
      << agent.output();
  auto count = [](std::size_t n) { return static_cast<std::int64_t>(n); };
  testing::report_row({std::string("serial pty: ") + scenario.name, 1, count(committed.size()), -1,
                       -1, count(sent.size() - same),
                       count(committed.size() > same ? committed.size() - same : 0), 0, 0});
  for (std::size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i) << "seq gap or repeat";
  EXPECT_EQ(json_number(summary, "bad_frames"), scenario.bad_frames) << summary;
  EXPECT_EQ(json_number(summary, "disconnects"), scenario.disconnects) << summary;
  EXPECT_EQ(json_number(summary, "write_failures"), 0u) << summary;
  std::string log = agent.output();
  EXPECT_NE(log.find("sensor: " + std::to_string(scenario.bad_frames) + " bad frames, " +
                     std::to_string(scenario.disconnects) + " reconnects"),
            std::string::npos)
      << log;
}

INSTANTIATE_TEST_SUITE_P(
    Faults, SensorEmulatorAgentTest,
    ::testing::Values(Scenario{"clean", "", 0, 0},
                      Scenario{"line_noise_and_bad_frames",
                               "300 garbage 64\n700 badcrc\n900 truncate\n1100 badcrc\n"
                               "1500 garbage 500\n1900 truncate\n",
                               4, 0},
                      Scenario{"burst", "800 burst 200\n", 0, 0},
                      Scenario{"unplug_and_silence", "1000 disconnect 800\n2600 silence 400\n", 0,
                               1}),
    [](const auto& test) { return std::string(test.param.name); });

}  // namespace
}  // namespace vs
