// Gateway benchmark. Blocks verified per second by the gateway's ingest
// (signature, entries root, continuity, committed to LMDB) with 1 and 2
// threads, each device on one thread as the daemon's verify threads do,
// next to raw OpenSSL ECDSA verifies per second measured in the same run.
// Then one batch interval for a fleet of 10,000 devices: how many anchors.
//   VS_BENCH_DEVICES (64), VS_BENCH_BLOCKS (40 per device),
//   VS_BENCH_ENTRIES (16 per block), VS_BENCH_FLEET (10000)
#include <algorithm>
#include <cstdio>
#include <thread>

#include "mbedtls_baseline.h"
#include "openssl_baseline.h"
#include "support/rate_meter.h"
#include "temp_dir.h"
#include "test_device.h"
#include "vs/chain/chain_verifier.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"

namespace {

using namespace vs;
using Clock = std::chrono::steady_clock;

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
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

// Counts anchors: what a chain would charge a transaction for.
class CountingLedger final : public gateway::Ledger {
 public:
  explicit CountingLedger(gateway::Ledger& inner) : inner_(inner) {}
  Result<proto::LedgerRef> anchor(const Digest& root, std::uint64_t batch_id, std::uint64_t time_ms,
                                  platform::WriteBatch& batch) override {
    ++anchors;
    return inner_.anchor(root, batch_id, time_ms, batch);
  }
  std::uint64_t anchors = 0;

 private:
  gateway::Ledger& inner_;
};

}  // namespace

int main() {
  std::size_t device_count = env_size("VS_BENCH_DEVICES", 64);
  std::size_t blocks_per_device = env_size("VS_BENCH_BLOCKS", 40);
  std::size_t entries_per_block = env_size("VS_BENCH_ENTRIES", 16);
  std::size_t fleet = env_size("VS_BENCH_FLEET", 10'000);
  std::printf("vitalsign gateway_bench on %s\n", bench::machine_description().c_str());
  std::printf(
      "%zu devices x %zu blocks of %zu entries (block signature only); LMDB, group commit; "
      "median of 3 runs\n\n",
      device_count, blocks_per_device, entries_per_block);

  auto devices = make_devices(device_count);
  std::vector<std::vector<Bytes>> blocks(device_count);
  for (std::size_t d = 0; d < device_count; ++d) {
    for (std::size_t b = 0; b < blocks_per_device; ++b)
      blocks[d].push_back(devices[d].seal_next(entries_per_block, false).encoded);
  }

  // Raw OpenSSL: one verify of a P-256 signature over a digest, one core.
  platform::bench::MbedtlsBaseline key_source;
  platform::bench::OpensslBaseline openssl_raw(key_source.private_key_pem());
  Digest digest{};
  digest.fill(0x42);
  std::uint8_t der[80];
  std::size_t der_size = openssl_raw.sign(digest, der);
  volatile bool sink = false;
  double raw = bench::RateMeter(5, std::chrono::milliseconds(300)).median_rate([&] {
    sink = openssl_raw.verify(digest, der, der_size);
  });

  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory openssl_verifiers;
  platform::CachingVerifierFactory verifiers(openssl_verifiers);  // as the daemon does
  std::size_t total_blocks = device_count * blocks_per_device;
  std::printf("| %-44s | %7s | %12s | %22s |\n", "measure", "threads", "per second",
              "ratio to raw x threads");
  bench::print_rule(98);
  std::printf("| %-44s | %7d | %12.0f | %22s |\n", "raw OpenSSL ECDSA P-256 verify", 1, raw,
              "1.00");
  // The same blocks through the chain verifier alone: signature, entries
  // root and continuity, no store. The gap to the rows below is the store.
  for (unsigned threads : {1u, 2u}) {
    std::vector<double> rates;
    std::uint64_t failures = 0;
    for (int run = 0; run < 3; ++run) {
      std::vector<std::uint64_t> failed(threads, 0);
      auto start = Clock::now();
      std::vector<std::thread> workers;
      for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          for (std::size_t d = t; d < device_count; d += threads) {
            auto follower =
                chain::ChainVerifier::from_genesis(sha, verifiers, devices[d].public_key()).value();
            for (const Bytes& block : blocks[d])
              if (!follower.append(ByteView(block))) ++failed[t];
          }
        });
      }
      for (auto& worker : workers) worker.join();
      double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      rates.push_back(static_cast<double>(total_blocks) / seconds);
      for (auto count : failed) failures += count;
    }
    std::sort(rates.begin(), rates.end());
    std::printf("| %-44s | %7u | %12.0f | %22.2f |\n",
                failures > 0 ? "chain verification only (FAILURES)" : "chain verification only",
                threads, rates[1], rates[1] / (raw * threads));
  }
  for (unsigned threads : {1u, 2u}) {
    std::vector<double> rates;
    std::uint64_t failures = 0;
    for (int run = 0; run < 3; ++run) {
      testing::TempDir dir;
      auto store = fresh_store(dir.path());
      gateway::BlockIngest registry(*store, sha, verifiers);
      for (auto& device : devices) (void)registry.enrol(device.public_key()).value();
      std::vector<std::uint64_t> failed(threads, 0);
      auto start = Clock::now();
      std::vector<std::thread> workers;
      for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          // As the daemon's verify thread: its devices' blocks interleaved as
          // they arrive, up to 64 verified per store transaction.
          gateway::BlockIngest ingest(*store, sha, verifiers);
          std::vector<std::string> hex;
          for (std::size_t d = 0; d < device_count; ++d) hex.push_back(devices[d].id().hex());
          std::vector<gateway::BlockIngest::BlockMessage> arrived;
          auto flush = [&] {
            auto results = ingest.ingest_all(arrived);
            if (!results) {
              failed[t] += arrived.size();
            } else {
              for (const auto& result : *results)
                if (result.kind != gateway::IngestResult::Kind::kAccepted) ++failed[t];
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
      }
      for (auto& worker : workers) worker.join();
      double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      rates.push_back(static_cast<double>(total_blocks) / seconds);
      for (auto count : failed) failures += count;
    }
    std::sort(rates.begin(), rates.end());
    double rate = rates[1];
    char label[64];
    std::snprintf(label, sizeof label, "gateway blocks verified + committed (64/txn)%s",
                  failures > 0 ? " (FAILURES)" : "");
    std::printf("| %-44s | %7u | %12.0f | %22.2f |\n", label, threads, rate,
                rate / (raw * threads));
  }

  // One batch interval for a large fleet: every device sends one block.
  std::printf("\nfleet: %zu devices, one block each, one batch interval\n", fleet);
  auto fleet_devices = make_devices(fleet);
  testing::TempDir dir;
  auto store = fresh_store(dir.path());
  gateway::BlockIngest ingest(*store, sha, verifiers);
  for (auto& device : fleet_devices) {
    (void)ingest.enrol(device.public_key()).value();
    (void)ingest.ingest(device.id().hex(), device.seal_next(4, false).encoded).value();
  }
  auto gateway_key = platform::OpensslSigner::generate().value();
  gateway::LocalLedger local(*store, gateway::kLedgerTable, sha, *gateway_key, "bench");
  CountingLedger ledger(local);
  chain::ReceiptSigner signer(sha, *gateway_key);
  gateway::BatchAnchorer anchorer(*store, sha, ledger, signer);
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
  return issued && ledger.anchors == 1 ? 0 : 1;
}
