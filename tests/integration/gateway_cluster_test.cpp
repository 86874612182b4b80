// Several gateways on one shared state (PostgreSQL, started by this test):
// each gateway is its own PostgresStore connection pool, BlockIngest and
// BatchAnchorer, as in separate processes; they race on purpose, with a
// barrier, many rounds. Whatever the interleaving: one accepted block per
// (device, height), equivocation detected and kept whichever gateways saw
// the two blocks, a held block released by whichever gateway fills the gap,
// every block in exactly one batch, one anchorer at a time.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "fakes/fake_clock.h"
#include "postgres_server.h"
#include "temp_dir.h"
#include "test_device.h"
#include "test_log_key.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/cluster_lease.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

using Kind = IngestResult::Kind;

vs::testing::PostgresServer& server() {
  return vs::testing::shared_postgres_server();
}

// One gateway of the cluster: its own connections to the shared state.
struct Member {
  explicit Member(const std::string& schema, platform::Signer& gateway_key) {
    GatewayStoreOptions options;
    options.location = server().connection();
    options.backend = StoreBackend::kPostgres;
    options.postgres_schema = schema;
    options.access = StoreAccess::kCreate;
    auto opened = open_gateway_store(options);
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    state = std::move(opened).value();
    ingest = std::make_unique<BlockIngest>(*state, sha, keys, clock);
    ledger = std::make_unique<LocalLedger>(*state, sha, vs::testing::test_log_key("cluster-test"));
    signer = std::make_unique<chain::ReceiptSigner>(sha, gateway_key);
    anchorer = std::make_unique<BatchAnchorer>(*state, sha, *ledger, *signer);
  }
  IngestResult take(const vs::testing::TestDevice& device, const Bytes& block) {
    auto result = ingest->ingest(device.id().hex(), block);
    EXPECT_TRUE(result.ok()) << result.error().message();
    return result.ok() ? std::move(result).value() : IngestResult{};
  }

  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory keys;
  platform::SystemClock clock;
  std::unique_ptr<GatewayState> state;
  std::unique_ptr<BlockIngest> ingest;
  std::unique_ptr<LocalLedger> ledger;
  std::unique_ptr<chain::ReceiptSigner> signer;
  std::unique_ptr<BatchAnchorer> anchorer;
};

class GatewayClusterTest : public ::testing::Test {
 protected:
  GatewayClusterTest()
      : schema_("cluster_" + std::to_string(::getpid()) + "_" +
                std::to_string(std::hash<std::string>()(
                    ::testing::UnitTest::GetInstance()->current_test_info()->name()))),
        key_(platform::MbedtlsSigner::generate().value()) {
    // One gateway identity, one signer object per gateway (as per process:
    // a signer is not shared between threads).
    std::string pem = key_->private_key_pem().value();
    second_key_ = platform::MbedtlsSigner::from_private_key(as_bytes(pem)).value();
    one_ = std::make_unique<Member>(schema_, *key_);
    two_ = std::make_unique<Member>(schema_, *second_key_);
  }

  void enrol(const vs::testing::TestDevice& device) {
    DeviceRegistry registry(*one_->state, one_->sha, one_->keys);
    ASSERT_TRUE(registry.enrol(device.public_key()).ok());
  }

  // Runs `first` on gateway one and `second` on gateway two at the same instant.
  template <typename First, typename Second>
  void at_once(First&& first, Second&& second) {
    std::barrier start(2);
    std::thread other([&] {
      start.arrive_and_wait();
      second(*two_);
    });
    start.arrive_and_wait();
    first(*one_);
    other.join();
  }

  std::string schema_;
  std::unique_ptr<platform::MbedtlsSigner> key_;
  std::unique_ptr<platform::MbedtlsSigner> second_key_;
  std::unique_ptr<Member> one_;
  std::unique_ptr<Member> two_;
};

constexpr int kRounds = 40;

TEST_F(GatewayClusterTest, TheSameBlockAtTwoGatewaysIsAcceptedOnce) {
  vs::testing::TestDevice device;
  enrol(device);
  for (int round = 0; round < kRounds; ++round) {
    auto block = device.seal_next(1);
    IngestResult a, b;
    at_once([&](Member& m) { a = m.take(device, block.encoded); },
            [&](Member& m) { b = m.take(device, block.encoded); });
    std::multiset<Kind> kinds{a.kind, b.kind};
    ASSERT_EQ(kinds, (std::multiset<Kind>{Kind::kAccepted, Kind::kDuplicate})) << "round " << round;
  }
  EXPECT_EQ(one_->state->tip(device.id()).value()->height, kRounds - 1u);
  EXPECT_EQ(one_->state->queue_size().value(), static_cast<std::uint64_t>(kRounds));
  // Anchored once, the duplicate's answer is the same receipt at both.
  ASSERT_EQ(one_->anchorer->anchor(1, 1000).value().size(), static_cast<std::size_t>(kRounds));
  EXPECT_EQ(two_->state->receipt(device.id(), 0).value(),
            one_->state->receipt(device.id(), 0).value());
}

TEST_F(GatewayClusterTest, TwoBlocksAtOneHeightOnTwoGatewaysAreEquivocationKept) {
  for (int round = 0; round < kRounds / 4; ++round) {
    vs::testing::TestDevice device;
    enrol(device);
    auto honest = device.seal_next(1);
    auto fork = device.seal_at(0, Digest{}, {vs::testing::heart_rate_entry(0, 140)});
    IngestResult a, b;
    at_once([&](Member& m) { a = m.take(device, honest.encoded); },
            [&](Member& m) { b = m.take(device, fork.encoded); });
    std::multiset<Kind> kinds{a.kind, b.kind};
    ASSERT_EQ(kinds, (std::multiset<Kind>{Kind::kAccepted, Kind::kEquivocation}))
        << "round " << round;
    auto kept = one_->state->block(device.id(), 0).value().value();
    auto evidence = two_->state->evidence(device.id()).value();
    ASSERT_EQ(evidence.size(), 1u);
    EXPECT_NE(kept, evidence.front());  // both blocks are kept, once each
    EXPECT_TRUE(kept == honest.encoded || kept == fork.encoded);
    EXPECT_TRUE(evidence.front() == honest.encoded || evidence.front() == fork.encoded);
    EXPECT_TRUE(two_->state->device(device.id()).value()->equivocated);
  }
}

TEST_F(GatewayClusterTest, AGapFilledOnAnotherGatewayReleasesTheHeldBlock) {
  vs::testing::TestDevice device;
  enrol(device);
  ASSERT_EQ(one_->take(device, device.seal_next(1).encoded).kind, Kind::kAccepted);
  for (std::uint64_t round = 0; round < kRounds; ++round) {
    auto filler = device.seal_next(1);
    auto later = device.seal_next(1);
    IngestResult a, b;
    at_once([&](Member& m) { a = m.take(device, later.encoded); },
            [&](Member& m) { b = m.take(device, filler.encoded); });
    // Either the later block came first (held, then released by the
    // filler) or second (accepted in order): never left held.
    EXPECT_EQ(b.kind, Kind::kAccepted) << "round " << round;
    EXPECT_TRUE(a.kind == Kind::kHeld || a.kind == Kind::kAccepted) << "round " << round;
    ASSERT_EQ(one_->state->tip(device.id()).value()->height, 2u * (round + 1)) << "round " << round;
    ASSERT_EQ(two_->state->held_count(device.id()).value(), 0u) << "round " << round;
  }
  EXPECT_EQ(one_->state->queue_size().value(), 2u * kRounds + 1);
}

TEST_F(GatewayClusterTest, TwoAnchorersAtOnceAnchorEachBlockInExactlyOneBatch) {
  vs::testing::TestDevice device;
  enrol(device);
  for (std::uint64_t round = 0; round < kRounds / 2; ++round) {
    for (int i = 0; i < 5; ++i)
      ASSERT_EQ(one_->take(device, device.seal_next(1).encoded).kind, Kind::kAccepted);
    Result<std::vector<IssuedReceipt>> a = std::vector<IssuedReceipt>{}, b = a;
    at_once([&](Member& m) { a = m.anchorer->anchor(1000 + round, 1000); },
            [&](Member& m) { b = m.anchorer->anchor(1000 + round, 1000); });
    std::size_t issued = (a ? a->size() : 0) + (b ? b->size() : 0);
    ASSERT_EQ(issued, 5u) << "round " << round;  // by one of them, not both
    for (const auto* result : {&a, &b}) {
      if (!*result) {
        EXPECT_EQ(result->error().code(), ErrorCode::kConflict) << result->error().message();
      }
    }
    ASSERT_EQ(one_->state->queue_size().value(), 0u);
  }
  // One batch per round, one ledger entry per batch.
  EXPECT_EQ(one_->state->next_batch_id().value(), kRounds / 2 + 1u);
  EXPECT_EQ(one_->state->ledger_size().value(), static_cast<std::uint64_t>(kRounds / 2));
}

// One lease holder; it renews; when it stops beating, another takes over
// once the lease expired; a released lease is taken at the next beat.
TEST_F(GatewayClusterTest, OneAnchorerAtATimeAndATakeoverWhenItStops) {
  vs::testing::FakeClock clock;
  ClusterLease first(*one_->state, "gw-1", std::chrono::milliseconds(4000), clock);
  ClusterLease second(*two_->state, "gw-2", std::chrono::milliseconds(4000), clock);
  EXPECT_TRUE(first.beat().value());
  EXPECT_FALSE(second.beat().value());
  clock.advance(std::chrono::milliseconds(1000));
  EXPECT_TRUE(first.beat().value());  // renewed
  EXPECT_FALSE(second.beat().value());
  // gw-1 stops beating: it stops anchoring by its own clock before the
  // lease runs out, and gw-2 takes it only once it has.
  clock.advance(std::chrono::milliseconds(3100));
  EXPECT_FALSE(first.holds());
  EXPECT_FALSE(second.beat().value());
  clock.advance(std::chrono::milliseconds(1000));
  EXPECT_TRUE(second.beat().value());
  EXPECT_FALSE(first.beat().value());
  auto lease = one_->state->anchor_lease().value().value();
  EXPECT_EQ(lease.holder, "gw-2");
  auto members = one_->state->members().value();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].name, "gw-1");
  EXPECT_EQ(members[1].heartbeat_ms, clock.wall_ms());
  // A clean shutdown gives it back at once.
  ASSERT_TRUE(second.release().ok());
  EXPECT_TRUE(first.beat().value());
}

}  // namespace
}  // namespace vs::gateway
