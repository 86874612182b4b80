// PostgresStore on a real PostgreSQL 15 server that this test starts: the
// Store contract (support/store_contract.h), then what only a store shared
// by several writers must do (conflicts, a server crash, a server away).
#include <gtest/gtest.h>

#include "postgres_server.h"
#include "store_contract.h"
#include "vs/platform/postgres_store.h"

namespace vs::platform {
namespace {

// The ceiling is PostgreSQL's disk here (its "disk full" is kNoSpace), and
// erased rows free their room only at the next vacuum: the embedded stores'
// ceiling contract does not apply.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StoreCeilingContract);

vs::testing::PostgresServer& server() {
  return vs::testing::shared_postgres_server();
}

// Each store in a schema of its own, so tests never see each other's rows.
PostgresStoreOptions options_for_new_schema(std::uint64_t limit_bytes = 64ULL << 20) {
  static int schemas = 0;
  PostgresStoreOptions options;
  options.connection = server().connection();
  options.schema = "contract_" + std::to_string(::getpid()) + "_" + std::to_string(++schemas);
  options.tables = {"items", "meta"};
  options.max_bytes = limit_bytes;
  return options;
}

std::unique_ptr<PostgresStore> open_store(const PostgresStoreOptions& options) {
  auto store = PostgresStore::open(options);
  EXPECT_TRUE(store.ok()) << store.error().message();
  return std::move(store).value();
}

INSTANTIATE_TEST_SUITE_P(Shared, StoreContract,
                         ::testing::Values(StoreMaker{
                             "Postgres",
                             [](const std::filesystem::path&,
                                std::uint64_t limit) -> std::unique_ptr<Store> {
                               return open_store(options_for_new_schema(limit));
                             }}),
                         [](const auto& param_info) { return param_info.param.name; });

Bytes text(std::string_view value) {
  return Bytes(value.begin(), value.end());
}

// Two writers that read one key and both write it: one commits, the other
// is told to begin again and none of its writes land.
TEST(PostgresStore, ConcurrentWritersOfOneKeyConflict) {
  auto options = options_for_new_schema();
  auto first = open_store(options);
  auto second = open_store(options);  // another process's view, as far as the server knows
  auto a = first->begin().value();
  auto b = second->begin().value();
  EXPECT_FALSE(a->get(kMeta, as_bytes("tip")).value().has_value());
  EXPECT_FALSE(b->get(kMeta, as_bytes("tip")).value().has_value());
  WriteBatch from_a;
  from_a.put(kMeta, as_bytes("tip"), as_bytes("a"));
  from_a.put(kItems, u64_key(1), as_bytes("a"));
  WriteBatch from_b;
  from_b.put(kMeta, as_bytes("tip"), as_bytes("b"));
  from_b.put(kItems, u64_key(2), as_bytes("b"));
  ASSERT_TRUE(a->commit(from_a, false).ok());
  auto lost = b->commit(from_b, false);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code(), ErrorCode::kConflict) << lost.error().message();
  EXPECT_EQ(first->get(kMeta, as_bytes("tip")).value().value(), text("a"));
  EXPECT_FALSE(first->get(kItems, u64_key(2)).value().has_value());
  // Begun again, it sees the winner's state and commits.
  auto again = second->begin().value();
  EXPECT_EQ(again->get(kMeta, as_bytes("tip")).value().value(), text("a"));
  ASSERT_TRUE(again->commit(from_b, false).ok());
}

// Write skew: each reads what the other writes (a gap filled while the
// block past it is held). Serializable isolation refuses one of them.
TEST(PostgresStore, WriteSkewIsRefused) {
  auto options = options_for_new_schema();
  auto store = open_store(options);
  auto a = store->begin().value();
  auto b = store->begin().value();
  EXPECT_FALSE(a->get(kItems, u64_key(10)).value().has_value());
  EXPECT_FALSE(b->get(kItems, u64_key(20)).value().has_value());
  WriteBatch from_a;
  from_a.put(kItems, u64_key(20), as_bytes("a"));
  WriteBatch from_b;
  from_b.put(kItems, u64_key(10), as_bytes("b"));
  Status committed_a = a->commit(from_a, false);
  Status committed_b = b->commit(from_b, false);
  EXPECT_NE(committed_a.ok(), committed_b.ok());
  Status lost = committed_a.ok() ? committed_b : committed_a;
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code(), ErrorCode::kConflict) << lost.error().message();
  EXPECT_EQ(store->count(kItems).value(), 1u);
}

// A durable commit survives the server's crash; so does a non-durable one
// once sync() has returned.
TEST(PostgresStore, DurableCommitsSurviveAServerCrash) {
  auto options = options_for_new_schema();
  auto store = open_store(options);
  WriteBatch durable;
  durable.put(kItems, u64_key(1), as_bytes("durable"));
  ASSERT_TRUE(store->begin().value()->commit(durable, true).ok());
  WriteBatch synced;
  synced.put(kItems, u64_key(2), as_bytes("synced"));
  ASSERT_TRUE(store->commit(synced).ok());
  ASSERT_TRUE(store->sync().ok());
  server().kill();
  // Away: a clear error, not a hang or a crash.
  auto away = store->get(kItems, u64_key(1));
  ASSERT_FALSE(away.ok());
  EXPECT_EQ(away.error().code(), ErrorCode::kUnavailable) << away.error().message();
  ASSERT_TRUE(server().start());
  // Back: the same store object carries on (broken connections dropped).
  auto back = store->get(kItems, u64_key(1));
  for (int i = 0; i < 3 && !back.ok(); ++i) back = store->get(kItems, u64_key(1));
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ(**back, text("durable"));
  auto second = store->get(kItems, u64_key(2));
  ASSERT_TRUE(second.ok()) << second.error().message();
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(**second, text("synced"));
}

TEST(PostgresStore, BadOptionsAndMissingStoresAreNamed) {
  auto options = options_for_new_schema();
  options.create = false;
  auto missing = PostgresStore::open(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find(options.schema), std::string::npos);

  options.create = true;
  options.schema = "Robert'); DROP TABLE students;--";
  auto bad = PostgresStore::open(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);

  options = options_for_new_schema();
  options.connection = "host=127.0.0.1 port=" + std::to_string(vs::testing::free_port()) +
                       " user=vs dbname=postgres connect_timeout=2";
  auto refused = PostgresStore::open(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message().find("cannot connect to PostgreSQL"), std::string::npos)
      << refused.error().message();

  auto store = open_store(options_for_new_schema());
  EXPECT_EQ(store->get(7, as_bytes("k")).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vs::platform
