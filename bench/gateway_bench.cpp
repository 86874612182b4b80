// Gateway benchmark. Blocks verified per second by the gateway's ingest
// (signature, entries root, continuity, committed to LMDB) with 1 and 2
// threads, each device on one thread as the daemon's verify threads do,
// next to raw OpenSSL ECDSA verifies per second measured in the same run.
// Then one batch interval for a fleet of 10,000 devices: how many anchors.
// Then the cluster's shared state (a PostgreSQL 15 server this benchmark
// starts): one gateway's ingest on PostgreSQL next to the same on LMDB, and
// blocks accepted and anchored per second by a cluster of 1, 2 and 3
// gateways (each its own connections, as separate processes would be).
//   VS_BENCH_DEVICES (64), VS_BENCH_BLOCKS (40 per device),
//   VS_BENCH_ENTRIES (16 per block), VS_BENCH_FLEET (10000), VS_BENCH_RUNS (9),
//   VS_BENCH_CLUSTER_RUNS (5)
#include <atomic>
#include <cstdio>
#include <span>
#include <thread>

#include "env_number.h"
#include "mbedtls_baseline.h"
#include "openssl_baseline.h"
#include "postgres_server.h"
#include "support/rate_meter.h"
#include "temp_dir.h"
#include "test_device.h"
#include "test_log_key.h"
#include "vs/chain/chain_verifier.h"
#include "vs/chain/entry_leaf.h"
#include "vs/chain/merkle.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/postgres_store.h"
#include "vs/proto/wire_codec.h"

namespace {

using namespace vs;
using Clock = std::chrono::steady_clock;

std::size_t env_size(const char* name, std::size_t fallback) {
  return static_cast<std::size_t>(testing::env_number(name, fallback));
}

std::unique_ptr<platform::LmdbStore> fresh_store(const std::filesystem::path& directory) {
  platform::LmdbStoreOptions options;
  options.directory = directory;
  options.tables = gateway::kGatewayTableNames;
  options.initial_map_bytes = 64ULL << 20;
  options.max_map_bytes = 4ULL << 30;
  options.durability = platform::Durability::kGroupCommit;  // as the daemon runs it
  return platform::LmdbStore::open(options).value();
}

std::vector<testing::TestDevice> make_devices(std::size_t count) {
  std::vector<testing::TestDevice> devices;
  devices.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    devices.emplace_back(platform::OpensslSigner::generate().value());
  return devices;
}

const platform::SystemClock wall_clock;

// Counts anchors: what a chain would charge a transaction for.
class CountingLedger final : public gateway::Ledger {
 public:
  explicit CountingLedger(gateway::Ledger& inner) : inner_(inner) {}
  Result<proto::LedgerRef> anchor(const Digest& root, std::uint64_t batch_id, std::uint64_t time_ms,
                                  gateway::GatewayTransaction& batch) override {
    ++anchors;
    return inner_.anchor(root, batch_id, time_ms, batch);
  }
  std::uint64_t anchors = 0;

 private:
  gateway::Ledger& inner_;
};

// A gateway's state on the benchmark's PostgreSQL, in `schema`.
std::unique_ptr<gateway::GatewayState> postgres_state(const std::string& connection,
                                                      const std::string& schema) {
  gateway::GatewayStoreOptions options;
  options.location = connection;
  options.backend = gateway::StoreBackend::kPostgres;
  options.postgres_schema = schema;
  options.access = gateway::StoreAccess::kCreate;
  options.max_bytes = 64ULL << 30;
  return gateway::open_gateway_store(options).value();
}

// One gateway of a benchmark cluster: its own pool of connections to the
// shared state, its own ingest and anchorer.
struct ClusterMember {
  ClusterMember(const std::string& connection, const std::string& schema,
                const platform::Sha256& sha, platform::VerifierFactory& verifiers,
                platform::Signer& gateway_key)
      : state(postgres_state(connection, schema)) {
    ingest = std::make_unique<gateway::BlockIngest>(*state, sha, verifiers, wall_clock);
    ledger =
        std::make_unique<gateway::LocalLedger>(*state, sha, vs::testing::test_log_key("bench"));
    signer = std::make_unique<chain::ReceiptSigner>(sha, gateway_key);
    anchorer = std::make_unique<gateway::BatchAnchorer>(*state, sha, *ledger, *signer);
  }
  std::unique_ptr<gateway::GatewayState> state;
  std::unique_ptr<gateway::BlockIngest> ingest;
  std::unique_ptr<gateway::LocalLedger> ledger;
  std::unique_ptr<chain::ReceiptSigner> signer;
  std::unique_ptr<gateway::BatchAnchorer> anchorer;
};

// Blocks accepted and anchored per second by `members` gateways on one
// shared state. Messages go to the gateways round-robin, as a broker's
// shared subscription hands them out (so one device's consecutive blocks
// land on different gateways); each ingests 64 per transaction; gateway 0
// (the lease holder) also anchors every 200 ms. The clock stops when every
// block has its receipt.
double cluster_rate(std::size_t members, const std::string& connection, const std::string& schema,
                    const std::vector<testing::TestDevice>& devices,
                    const std::vector<std::vector<Bytes>>& blocks, const platform::Sha256& sha,
                    platform::VerifierFactory& verifiers, platform::Signer& gateway_key,
                    std::uint64_t& failures) {
  std::vector<std::unique_ptr<ClusterMember>> cluster;
  for (std::size_t m = 0; m < members; ++m) {
    cluster.push_back(
        std::make_unique<ClusterMember>(connection, schema, sha, verifiers, gateway_key));
  }
  gateway::DeviceRegistry registry(*cluster[0]->state, sha, verifiers);
  for (const auto& device : devices) (void)registry.enrol(device.public_key()).value();
  std::vector<std::vector<gateway::BlockIngest::BlockMessage>> inbox(members);
  std::vector<std::string> hex;
  for (const auto& device : devices) hex.push_back(device.id().hex());
  std::size_t total = 0;
  for (std::size_t b = 0; b < blocks.front().size(); ++b) {
    for (std::size_t d = 0; d < devices.size(); ++d)
      inbox[total++ % members].push_back({hex[d], blocks[d][b]});
  }
  std::atomic<std::size_t> ingesting{members};
  std::atomic<std::uint64_t> anchored{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t m = 0; m < members; ++m) {
    threads.emplace_back([&, m] {
      ClusterMember& member = *cluster[m];
      auto last_anchor = Clock::now();
      auto anchor = [&] {
        auto issued = member.anchorer->anchor(wall_clock.wall_ms(), 100'000);
        if (issued) anchored += issued->size();
        if (!issued && failures++ == 0)
          std::printf("cluster anchor failed: %s\n", issued.error().message().c_str());
        last_anchor = Clock::now();
      };
      std::span<const gateway::BlockIngest::BlockMessage> mine(inbox[m]);
      for (std::size_t at = 0; at < mine.size(); at += 64) {
        auto results = member.ingest->ingest_all(
            mine.subspan(at, std::min<std::size_t>(64, mine.size() - at)));
        if (!results && failures++ == 0)
          std::printf("cluster ingest failed: %s\n", results.error().message().c_str());
        if (m == 0 && Clock::now() - last_anchor >= std::chrono::milliseconds(200)) anchor();
      }
      --ingesting;
      if (m != 0) return;
      while (anchored < total) {  // the rest of the queue, as the anchorer's next ticks
        if (ingesting == 0 || Clock::now() - last_anchor >= std::chrono::milliseconds(200)) {
          std::uint64_t before = anchored;
          anchor();
          if (ingesting == 0 && anchored == before) {  // nothing left to anchor: blocks lost
            if (failures++ == 0) {
              std::printf("cluster: %llu of %zu blocks anchored, nothing more queued\n",
                          static_cast<unsigned long long>(anchored.load()), total);
            }
            return;
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(total) / seconds;
}

}  // namespace

int main() {
  std::size_t device_count = env_size("VS_BENCH_DEVICES", 64);
  std::size_t blocks_per_device = env_size("VS_BENCH_BLOCKS", 40);
  std::size_t entries_per_block = env_size("VS_BENCH_ENTRIES", 16);
  std::size_t fleet = env_size("VS_BENCH_FLEET", 10'000);
  // Odd, for a median; enough that a few seconds of a noisy neighbour
  // do not decide it.
  const int kRuns = static_cast<int>(env_size("VS_BENCH_RUNS", 9)) | 1;
  std::printf("vitalsign gateway_bench on %s\n", bench::machine_description().c_str());
  std::printf(
      "%zu devices x %zu blocks of %zu entries (block signature only); LMDB, group commit; "
      "median of %d interleaved runs\n\n",
      device_count, blocks_per_device, entries_per_block, kRuns);

  auto devices = make_devices(device_count);
  std::vector<std::vector<Bytes>> blocks(device_count);
  for (std::size_t d = 0; d < device_count; ++d) {
    for (std::size_t b = 0; b < blocks_per_device; ++b)
      blocks[d].push_back(devices[d].seal_next(entries_per_block, false).encoded);
  }

  platform::bench::MbedtlsBaseline key_source;
  std::string key_pem = key_source.private_key_pem();
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory openssl_verifiers;
  platform::CachingVerifierFactory verifiers(openssl_verifiers);  // as the daemon does
  std::size_t total_blocks = device_count * blocks_per_device;

  // Runs `work(thread)` on `threads` threads at once; returns operations/s.
  auto timed = [](unsigned threads, std::size_t operations, const auto& work) {
    auto start = Clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) workers.emplace_back([&, t] { work(t); });
    for (auto& worker : workers) worker.join();
    return static_cast<double>(operations) /
           std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::uint64_t failures = 0;
  // Raw OpenSSL: a P-256 verify over a digest, contexts set up once per thread.
  auto raw_rate = [&](unsigned threads) {
    constexpr std::size_t kPerThread = 3000;
    std::vector<std::unique_ptr<platform::bench::OpensslBaseline>> raws;
    Digest digest{};
    digest.fill(0x42);
    std::uint8_t der[80];
    std::size_t der_size = 0;
    for (unsigned t = 0; t < threads; ++t) {
      raws.push_back(std::make_unique<platform::bench::OpensslBaseline>(key_pem));
      der_size = raws.back()->sign(digest, der);
    }
    return timed(threads, kPerThread * threads, [&](unsigned t) {
      for (std::size_t i = 0; i < kPerThread; ++i)
        if (!raws[t]->verify(digest, der, der_size)) ++failures;
    });
  };
  // The chain verifier alone: signature, entries root, continuity; no store.
  auto chain_rate = [&](unsigned threads) {
    return timed(threads, total_blocks, [&](unsigned t) {
      for (std::size_t d = t; d < device_count; d += threads) {
        auto follower =
            chain::ChainVerifier::from_genesis(sha, verifiers, devices[d].public_key()).value();
        for (const Bytes& block : blocks[d])
          if (!follower.append(ByteView(block))) ++failures;
      }
    });
  };
  // As the daemon's verify threads: each its devices' blocks, interleaved as
  // they arrive, up to 64 per store transaction.
  auto ingest_into = [&](gateway::GatewayState& state, unsigned threads) {
    gateway::DeviceRegistry registry(state, sha, verifiers);
    for (auto& device : devices) (void)registry.enrol(device.public_key()).value();
    std::vector<std::string> hex;  // the messages point into these
    for (std::size_t d = 0; d < device_count; ++d) hex.push_back(devices[d].id().hex());
    return timed(threads, total_blocks, [&](unsigned t) {
      gateway::BlockIngest ingest(state, sha, verifiers, wall_clock);
      std::vector<gateway::BlockIngest::BlockMessage> arrived;
      auto flush = [&] {
        auto results = ingest.ingest_all(arrived);
        if (!results && failures++ == 0)
          std::printf("ingest failed: %s\n", results.error().message().c_str());
        for (std::size_t i = 0; results && i < arrived.size(); ++i) {
          if ((*results)[i].kind != gateway::IngestResult::Kind::kAccepted && failures++ == 0)
            std::printf("ingest refused a block: %s\n", (*results)[i].detail.c_str());
        }
        arrived.clear();
      };
      for (std::size_t b = 0; b < blocks_per_device; ++b) {
        for (std::size_t d = t; d < device_count; d += threads) {
          arrived.push_back({hex[d], blocks[d][b]});
          if (arrived.size() == 64) flush();
        }
      }
      if (!arrived.empty()) flush();
    });
  };
  auto gateway_rate = [&](unsigned threads) {
    testing::TempDir dir;
    auto store = fresh_store(dir.path());
    auto state = gateway::make_key_value_gateway_state(*store);
    return ingest_into(*state, threads);
  };

  using bench::median;
  // Interleaved runs, so that each ratio compares measurements taken moments
  // apart on a machine whose speed drifts; medians of kRuns.
  enum Row { kRaw1, kChain1, kGateway1, kRaw2, kChain2, kGateway2, kRows };
  std::vector<std::vector<double>> rates(kRows), target_ratios(kRows), capacity_ratios(kRows);
  for (int run = 0; run < kRuns; ++run) {
    double r[kRows] = {raw_rate(1), chain_rate(1), gateway_rate(1),
                       raw_rate(2), chain_rate(2), gateway_rate(2)};
    for (std::size_t row = 0; row < kRows; ++row) {
      bool two = row >= kRaw2;
      rates[row].push_back(r[row]);
      target_ratios[row].push_back(r[row] / (r[kRaw1] * (two ? 2 : 1)));
      capacity_ratios[row].push_back(r[row] / r[two ? kRaw2 : kRaw1]);
    }
  }
  std::printf("| %-40s | %7s | %10s | %18s | %18s |\n", "measure", "threads", "per second",
              "/ (raw 1 thread x n)", "/ raw on n threads");
  bench::print_rule(109);
  const char* names[kRows] = {"raw OpenSSL ECDSA P-256 verify",
                              "chain verification only",
                              "gateway ingest (verify + LMDB, 64/txn)",
                              "raw OpenSSL ECDSA P-256 verify",
                              "chain verification only",
                              "gateway ingest (verify + LMDB, 64/txn)"};
  for (std::size_t row = 0; row < kRows; ++row) {
    std::printf("| %-40s | %7d | %10.0f | %18.2f | %18.2f |\n", names[row], row >= kRaw2 ? 2 : 1,
                median(rates[row]), median(target_ratios[row]), median(capacity_ratios[row]));
  }
  if (failures > 0) std::printf("FAILURES: %llu\n", static_cast<unsigned long long>(failures));

  // Where one block's time goes on one thread: each stage of the ingest run
  // alone over every block, as microseconds per block (medians of kRuns). A
  // stage is given the device's index, the block as sent and as decoded.
  std::vector<std::unique_ptr<platform::Verifier>> device_keys;
  for (auto& device : devices)
    device_keys.push_back(verifiers.make_verifier(device.public_key()).value());
  std::vector<std::vector<proto::Block>> decoded(device_count);
  for (std::size_t d = 0; d < device_count; ++d)
    for (const Bytes& block : blocks[d])
      decoded[d].push_back(proto::WireCodec::decode_block(block).value());
  auto per_block_us = [&](const auto& stage) {
    std::vector<double> runs;
    for (int run = 0; run < kRuns; ++run) {
      auto start = Clock::now();
      for (std::size_t d = 0; d < device_count; ++d)
        for (std::size_t b = 0; b < blocks_per_device; ++b) stage(d, blocks[d][b], decoded[d][b]);
      runs.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count() /
                     static_cast<double>(total_blocks));
    }
    return median(runs);
  };
  struct Stage {
    const char* name;
    double us;
  };
  std::vector<Stage> stages = {
      {"block decode (outer message)",
       per_block_us([&](std::size_t, const Bytes& sent, const proto::Block&) {
         if (!proto::WireCodec::decode_block(sent)) ++failures;
       })},
      {"header decode (canonical)",
       per_block_us([&](std::size_t, const Bytes&, const proto::Block& block) {
         if (!proto::WireCodec::decode_block_header(block.header)) ++failures;
       })},
      {"header hash + signature verify",
       per_block_us([&](std::size_t d, const Bytes&, const proto::Block& block) {
         if (!device_keys[d]->verify(sha.digest(block.header), ByteView(block.signature)))
           ++failures;
       })},
      {"entries root (leaf hashes + Merkle)",
       per_block_us([&](std::size_t, const Bytes&, const proto::Block& block) {
         std::vector<Digest> leaves;
         for (std::size_t i = 0; i < block.entries.size(); ++i)
           leaves.push_back(chain::EntryLeaf::hash(sha, block.blindings[i], block.entries[i]));
         if (chain::Merkle(sha).root(leaves) == Digest{}) ++failures;
       })},
      {"entries decode (canonical)",
       per_block_us([&](std::size_t, const Bytes&, const proto::Block& block) {
         for (const Bytes& entry : block.entries)
           if (!proto::WireCodec::decode_entry(entry)) ++failures;
       })},
  };
  std::printf("\none block of %zu entries, 1 thread, by stage (microseconds, median of %d)\n",
              entries_per_block, kRuns);
  std::printf("| %-40s | %10s |\n", "stage", "us/block");
  bench::print_rule(57);
  double staged = 0;
  for (const Stage& stage : stages) {
    std::printf("| %-40s | %10.2f |\n", stage.name, stage.us);
    staged += stage.us;
  }
  std::printf("| %-40s | %10.2f |\n", "sum of the stages", staged);
  std::printf("| %-40s | %10.2f |\n", "chain verification (measured above)",
              1e6 / median(rates[kChain1]));
  std::printf("| %-40s | %10.2f |\n", "gateway ingest (measured above)",
              1e6 / median(rates[kGateway1]));
  std::printf("| %-40s | %10.2f |\n", "raw OpenSSL verify (measured above)",
              1e6 / median(rates[kRaw1]));

  // One batch interval for a large fleet: every device sends one block.
  std::printf("\nfleet: %zu devices, one block each, one batch interval\n", fleet);
  auto fleet_devices = make_devices(fleet);
  testing::TempDir dir;
  auto store = fresh_store(dir.path());
  auto state = gateway::make_key_value_gateway_state(*store);
  gateway::BlockIngest ingest(*state, sha, verifiers, wall_clock);
  gateway::DeviceRegistry registry(*state, sha, verifiers);
  for (auto& device : fleet_devices) {
    (void)registry.enrol(device.public_key()).value();
    (void)ingest.ingest(device.id().hex(), device.seal_next(4, false).encoded).value();
  }
  auto gateway_key = platform::OpensslSigner::generate().value();
  gateway::LocalLedger local(*state, sha, vs::testing::test_log_key("bench"));
  CountingLedger ledger(local);
  chain::ReceiptSigner signer(sha, *gateway_key);
  gateway::BatchAnchorer anchorer(*state, sha, ledger, signer);
  std::uint64_t queued = anchorer.queued().value();
  auto start = Clock::now();
  auto issued = anchorer.anchor(0, 100'000);  // the daemon's default batch.max_blocks
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("| %-44s | %12s |\n", "measure", "value");
  bench::print_rule(63);
  std::printf("| %-44s | %12llu |\n", "blocks queued", static_cast<unsigned long long>(queued));
  std::printf("| %-44s | %12llu |\n", "anchors (ledger transactions)",
              static_cast<unsigned long long>(ledger.anchors));
  std::printf("| %-44s | %12zu |\n", "receipts signed and stored", issued ? issued->size() : 0);
  std::printf("| %-44s | %12.0f |\n", "anchor time, tree + receipts + commit (ms)", seconds * 1000);
  if (!issued || ledger.anchors != 1) return 1;

  // The cluster's shared state.
  const int kClusterRuns = static_cast<int>(env_size("VS_BENCH_CLUSTER_RUNS", 5)) | 1;
  testing::TempDir postgres_dir;
  testing::PostgresServer postgres(postgres_dir.path() / "postgres");
  if (!postgres.start()) {
    std::printf("PostgreSQL did not start: %s\n", postgres.init_output().c_str());
    return 1;
  }
  int schemas = 0;
  auto next_schema = [&] { return "bench_" + std::to_string(++schemas); };
  std::vector<double> lmdb_rates, postgres_rates, postgres_ratios;
  std::vector<std::vector<double>> cluster_rates(3);
  std::vector<std::vector<double>> cluster_ratios(3);
  for (int run = 0; run < kClusterRuns; ++run) {
    testing::TempDir lmdb_dir;
    auto lmdb = fresh_store(lmdb_dir.path());
    auto lmdb_state = gateway::make_key_value_gateway_state(*lmdb);
    double on_lmdb = ingest_into(*lmdb_state, 1);
    auto shared = postgres_state(postgres.connection(), next_schema());
    double on_postgres = ingest_into(*shared, 1);
    lmdb_rates.push_back(on_lmdb);
    postgres_rates.push_back(on_postgres);
    postgres_ratios.push_back(on_postgres / on_lmdb);
    for (std::size_t members = 1; members <= 3; ++members) {
      double rate = cluster_rate(members, postgres.connection(), next_schema(), devices, blocks,
                                 sha, verifiers, *gateway_key, failures);
      cluster_rates[members - 1].push_back(rate);
      cluster_ratios[members - 1].push_back(rate / on_lmdb);
    }
  }
  std::printf(
      "\nshared state: PostgreSQL 15 on this machine (loopback, fsync on), %zu devices x %zu "
      "blocks, median of %d interleaved runs\n",
      device_count, blocks_per_device, kClusterRuns);
  std::printf("| %-58s | %10s | %14s |\n", "measure (blocks per second)", "per second",
              "/ LMDB ingest");
  bench::print_rule(92);
  std::printf("| %-58s | %10.0f | %14.2f |\n", "one gateway's ingest, LMDB (1 thread, 64/txn)",
              median(lmdb_rates), 1.0);
  std::printf("| %-58s | %10.0f | %14.2f |\n",
              "one gateway's ingest, PostgreSQL (1 thread, 64/txn)", median(postgres_rates),
              median(postgres_ratios));
  for (std::size_t members = 1; members <= 3; ++members) {
    std::printf(
        "| %-58s | %10.0f | %14.2f |\n",
        ("cluster of " + std::to_string(members) + " gateway(s): accepted + anchored (round-robin)")
            .c_str(),
        median(cluster_rates[members - 1]), median(cluster_ratios[members - 1]));
  }
  std::printf(
      "(all on one 2-core machine with the database: more gateways here show the cost of "
      "sharing, not a speed-up)\n");
  if (failures > 0) std::printf("FAILURES: %llu\n", static_cast<unsigned long long>(failures));
  return failures == 0 ? 0 : 1;
}
