// kill -9 of the real agent at random instants, then restart: the chain must
// verify, and every seq the agent reported committed must be there exactly
// once. Trials: $VS_CRASH_TRIALS (default 50); seed: $VS_CRASH_SEED.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "agent_command.h"
#include "child_process.h"
#include "env_number.h"
#include "suite_report.h"
#include "temp_dir.h"
#include "vs/agent/chain_audit.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::agent {
namespace {

using vs::testing::env_number;

// The highest seq the agent printed as committed, or -1.
std::int64_t last_committed(const std::string& output) {
  std::int64_t last = -1;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("committed ", 0) == 0 && line.size() > 10) last = std::stoll(line.substr(10));
  }
  return last;
}

// Each durability mode: "group" commits a window's readings and its blocks
// in one transaction, "every_commit" each reading on its own.
class AgentCrash : public ::testing::TestWithParam<const char*> {};

TEST_P(AgentCrash, KillNineAtRandomInstantsLosesAndDuplicatesNothing) {
  vs::testing::TempDir dir;
  platform::FileKeyStore keys(dir.path() / "keys");
  ASSERT_TRUE(keys.create("device").ok());
  std::string config_path = (dir.path() / "agent.toml").string();
  {
    std::ofstream config(config_path);
    config << "board = \"sim\"\n"
           << "[store]\ndata_dir = \"" << (dir.path() / "data").string() << "\"\n"
           << GetParam() << "[seal]\nmax_entries = 16\nmax_age_ms = 50\n"
           << "[sim]\nspeed = 0\nwaveform = \"none\"\nkey_dir = \""
           << (dir.path() / "keys").string() << "\"\n";
  }
  std::uint64_t trials = env_number("VS_CRASH_TRIALS", 50);
  std::uint64_t seed = env_number("VS_CRASH_SEED", std::random_device{}());
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> delay_ms(0, 300);
  std::uniform_int_distribution<int> early(0, 4);
  std::printf("crash trials: %llu, seed %llu (VS_CRASH_SEED reproduces)\n",
              static_cast<unsigned long long>(trials), static_cast<unsigned long long>(seed));

  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  std::int64_t committed_so_far = -1;
  std::uint64_t previous_next_seq = 0;
  std::uint64_t trials_with_progress = 0;
  std::uint64_t trials_after_start = 0;
  std::optional<ChainAuditReport> earlier;
  for (std::uint64_t trial = 0; trial < trials; ++trial) {
    vs::testing::ChildProcess agent;
    ASSERT_TRUE(
        agent.start(vs::testing::agent_command({"--config", config_path, "--trace-commits"}),
                    (dir.path() / "agent.log").string()));
    // One trial in five kills at any instant from the start (start-up and
    // store creation); the others once the agent is committing, so that a
    // slow start (sanitizers, a loaded machine) does not turn every trial
    // into a start-up kill.
    bool during_start = early(random) == 0;
    if (!during_start) {
      ++trials_after_start;
      for (int i = 0; i < 2000; ++i) {
        agent.drain_stdout();
        if (agent.output().find("committed ") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    int status = agent.kill_and_wait(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "trial " << trial << ": the agent exited by itself; see agent.log";
    std::int64_t committed = last_committed(agent.output());
    if (committed > committed_so_far) ++trials_with_progress;
    committed_so_far = std::max(committed_so_far, committed);

    // Killed before the agent created its store or its chain (a slow start
    // under sanitizers): valid only if nothing was reported committed.
    bool store_exists = std::filesystem::exists(dir.path() / "data" / "data.mdb");
    if (!store_exists) {
      ASSERT_EQ(committed_so_far, -1) << "trial " << trial << ": committed seq without a store";
      continue;
    }
    platform::LmdbStoreOptions options;
    options.directory = dir.path() / "data";
    options.tables = kAgentTableNames;
    options.read_only = true;
    auto store = platform::LmdbStore::open(options);
    if (!store.ok() && store.error().code() == ErrorCode::kNotFound) {
      ASSERT_EQ(committed_so_far, -1) << "trial " << trial << ": " << store.error().message();
      continue;
    }
    ASSERT_TRUE(store.ok()) << store.error().message();
    // Incremental audits keep a long run linear; every 25th trial and the
    // last audit the whole chain again, old blocks included.
    bool full_audit = trial % 25 == 0 || trial + 1 == trials;
    auto report =
        audit_chain(**store, sha, verifiers, {}, full_audit || !earlier ? nullptr : &*earlier);
    if (!report.ok() && report.error().code() == ErrorCode::kNotFound) {
      ASSERT_EQ(committed_so_far, -1) << "trial " << trial << ": " << report.error().message();
      continue;
    }
    ASSERT_TRUE(report.ok()) << report.error().message();
    ASSERT_FALSE(report->failure) << "trial " << trial << ": " << report->failure->message();
    // Every seq 0..next_seq-1 is in the chain exactly once (the audit checks
    // continuity), and every seq the agent reported committed is among them.
    EXPECT_EQ(report->entries_in_blocks + report->pending_entries, report->next_seq)
        << "trial " << trial;
    EXPECT_GT(static_cast<std::int64_t>(report->next_seq), committed_so_far) << "trial " << trial;
    EXPECT_GE(report->next_seq, previous_next_seq) << "trial " << trial << ": seq went backwards";
    previous_next_seq = report->next_seq;
    earlier = *report;
  }
  std::printf(
      "crash trials: %llu kills, %llu entries committed in all, chain verified after every kill\n",
      static_cast<unsigned long long>(trials), static_cast<unsigned long long>(previous_next_seq));
  std::string label =
      std::string("agent kill -9 while sampling and sealing (") +
      (std::string(GetParam()).find("group") != std::string::npos ? "group" : "every_commit") + ")";
  testing::report_row({label, static_cast<std::int64_t>(trials),
                       static_cast<std::int64_t>(previous_next_seq), -1, -1, 0, 0, 0, 0});
  // Every trial that waited for the agent to commit saw new seqs committed.
  EXPECT_GE(trials_with_progress, trials_after_start)
      << "the agent did not commit within 10 s of starting";
}

INSTANTIATE_TEST_SUITE_P(Durability, AgentCrash,
                         ::testing::Values("durability = \"every_commit\"\n",
                                           "durability = \"group\"\ngroup_commit_window_ms = 50\n"),
                         [](const auto& param_info) {
                           return std::string(param_info.index == 0 ? "EveryCommit" : "Group");
                         });

}  // namespace
}  // namespace vs::agent
