// The Store contract, one suite for every implementation: LmdbStore and
// the tests' MemoryStore (unit/platform/store_contract_test.cpp) and
// PostgresStore (integration/postgres_store_test.cpp, on a real server).
// A file includes this inside namespace vs::platform and instantiates
// StoreContract (and StoreCeilingContract for stores that enforce their own
// size ceiling) with its makers.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "temp_dir.h"
#include "vs/platform/store.h"

namespace vs::platform {

constexpr TableId kItems = 0;
constexpr TableId kMeta = 1;

struct StoreMaker {
  std::string name;
  // Makes a store whose size ceiling is `limit_bytes`.
  std::function<std::unique_ptr<Store>(const std::filesystem::path&, std::uint64_t limit_bytes)>
      make;
};

void PrintTo(const StoreMaker& maker, std::ostream* out) {
  *out << maker.name;
}

class StoreContract : public ::testing::TestWithParam<StoreMaker> {
 protected:
  std::unique_ptr<Store> make(std::uint64_t limit_bytes = 64ULL << 20) {
    return GetParam().make(dir_.path() / "store", limit_bytes);
  }
  vs::testing::TempDir dir_;
};

TEST_P(StoreContract, PutGetScanLastCount) {
  auto store = make();
  WriteBatch batch;
  for (std::uint64_t i = 0; i < 300; ++i)
    batch.put(kItems, u64_key(i), as_bytes("value-" + std::to_string(i)));
  batch.put(kMeta, as_bytes("tip"), as_bytes("299"));
  ASSERT_TRUE(store->commit(batch).ok());

  auto got = store->get(kItems, u64_key(42));
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, Bytes(as_bytes("value-42").begin(), as_bytes("value-42").end()));
  EXPECT_FALSE(store->get(kItems, u64_key(1000)).value().has_value());

  // Big-endian keys sort numerically: 256 comes after 255.
  auto scanned = store->scan(kItems, u64_key(254), 3).value();
  ASSERT_EQ(scanned.size(), 3u);
  EXPECT_EQ(get_u64_be(scanned[0].key.data()), 254u);
  EXPECT_EQ(get_u64_be(scanned[2].key.data()), 256u);
  EXPECT_EQ(store->scan(kItems, {}, 1000).value().size(), 300u);
  EXPECT_EQ(get_u64_be(store->last(kItems).value()->key.data()), 299u);
  EXPECT_EQ(store->count(kItems).value(), 300u);
  EXPECT_EQ(store->count(kMeta).value(), 1u);
  EXPECT_FALSE(store->last(kMeta + 5).ok());
}

// Walks span pages (256 records each): every record once, in order; the
// visitor stops the walk or ends it with its error.
TEST_P(StoreContract, ForEachRecordWalksEveryPageOnceAndStopsWhenTold) {
  auto store = make();
  WriteBatch batch;
  for (std::uint64_t i = 0; i < 600; ++i) batch.put(kItems, u64_key(i), as_bytes("v"));
  ASSERT_TRUE(store->commit(batch).ok());
  std::vector<std::uint64_t> seen;
  ASSERT_TRUE(for_each_record(*store, kItems, u64_key(10), [&](const Record& record) {
                seen.push_back(get_u64_be(record.key.data()));
                return Result<bool>(true);
              }).ok());
  ASSERT_EQ(seen.size(), 590u);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 10);
  std::size_t visits = 0;
  ASSERT_TRUE(for_each_record(*store, kItems, {}, [&](const Record&) {
                return Result<bool>(++visits < 300);
              }).ok());
  EXPECT_EQ(visits, 300u);
  Status failed = for_each_record(*store, kItems, {}, [](const Record&) -> Result<bool> {
    return Error(ErrorCode::kMalformed, "bad record");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kMalformed);
}

TEST_P(StoreContract, EraseAndOverwrite) {
  auto store = make();
  WriteBatch put;
  put.put(kItems, u64_key(1), as_bytes("a"));
  put.put(kItems, u64_key(2), as_bytes("b"));
  ASSERT_TRUE(store->commit(put).ok());
  WriteBatch change;
  change.erase(kItems, u64_key(1));
  change.erase(kItems, u64_key(77));  // absent: not an error
  change.put(kItems, u64_key(2), as_bytes("c"));
  ASSERT_TRUE(store->commit(change).ok());
  EXPECT_FALSE(store->get(kItems, u64_key(1)).value().has_value());
  EXPECT_EQ(store->get(kItems, u64_key(2)).value().value(), Bytes{'c'});
}

TEST_P(StoreContract, SnapshotStaysConsistentWhileOthersCommit) {
  auto store = make();
  WriteBatch first;
  first.put(kItems, u64_key(1), as_bytes("a"));
  first.put(kMeta, as_bytes("count"), u64_key(1));
  ASSERT_TRUE(store->commit(first).ok());
  auto snapshot = store->snapshot();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message();
  WriteBatch second;
  second.put(kItems, u64_key(2), as_bytes("b"));
  second.put(kMeta, as_bytes("count"), u64_key(2));
  ASSERT_TRUE(store->commit(second).ok());
  // The snapshot still sees one item and a count of one; the store sees two.
  EXPECT_EQ((*snapshot)->count(kItems).value(), 1u);
  EXPECT_EQ(get_u64_be((*snapshot)->get(kMeta, as_bytes("count")).value()->data()), 1u);
  EXPECT_FALSE((*snapshot)->get(kItems, u64_key(2)).value().has_value());
  EXPECT_EQ(store->count(kItems).value(), 2u);
}

// Several point reads at once, across tables, absent keys included: the
// values in the order asked, as one get() each would give.
TEST_P(StoreContract, GetManyAnswersInTheOrderAsked) {
  auto store = make();
  WriteBatch batch;
  batch.put(kItems, u64_key(1), as_bytes("one"));
  batch.put(kItems, u64_key(3), as_bytes("three"));
  batch.put(kMeta, as_bytes("tip"), as_bytes("t"));
  ASSERT_TRUE(store->commit(batch).ok());
  std::vector<TableKey> keys{{kItems, u64_key(3)},
                             {kMeta, Bytes{'t', 'i', 'p'}},
                             {kItems, u64_key(2)},
                             {kItems, u64_key(1)},
                             {kItems, u64_key(3)}};
  auto values = store->get_many(keys);
  ASSERT_TRUE(values.ok()) << values.error().message();
  ASSERT_EQ(values->size(), 5u);
  EXPECT_EQ((*values)[0], std::optional<Bytes>(Bytes{'t', 'h', 'r', 'e', 'e'}));
  EXPECT_EQ((*values)[1], std::optional<Bytes>(Bytes{'t'}));
  EXPECT_FALSE((*values)[2].has_value());
  EXPECT_EQ((*values)[3], std::optional<Bytes>(Bytes{'o', 'n', 'e'}));
  EXPECT_EQ((*values)[4], (*values)[0]);
  EXPECT_TRUE(store->get_many({}).value().empty());
}

// A batch that writes one key several times lands its last write.
TEST_P(StoreContract, TheLastWriteToAKeyInABatchLands) {
  auto store = make();
  WriteBatch batch;
  batch.put(kItems, u64_key(1), as_bytes("a"));
  batch.erase(kItems, u64_key(1));
  batch.put(kItems, u64_key(2), as_bytes("b"));
  batch.put(kItems, u64_key(2), as_bytes("c"));
  batch.put(kItems, u64_key(3), as_bytes("d"));
  batch.erase(kItems, u64_key(3));
  batch.put(kItems, u64_key(3), as_bytes("e"));
  ASSERT_TRUE(store->commit(batch).ok());
  EXPECT_FALSE(store->get(kItems, u64_key(1)).value().has_value());
  EXPECT_EQ(store->get(kItems, u64_key(2)).value(), std::optional<Bytes>(Bytes{'c'}));
  EXPECT_EQ(store->get(kItems, u64_key(3)).value(), std::optional<Bytes>(Bytes{'e'}));
}

// Transactions: a snapshot from the first read, their own writes applied
// whole at commit.
TEST_P(StoreContract, TransactionReadsOneStateAndCommitsWhole) {
  auto store = make();
  WriteBatch first;
  first.put(kItems, u64_key(1), as_bytes("a"));
  ASSERT_TRUE(store->commit(first).ok());
  auto transaction = store->begin();
  ASSERT_TRUE(transaction.ok()) << transaction.error().message();
  EXPECT_EQ((*transaction)->count(kItems).value(), 1u);  // its state is taken here
  WriteBatch other;
  other.put(kItems, u64_key(2), as_bytes("b"));
  ASSERT_TRUE(store->commit(other).ok());
  EXPECT_FALSE((*transaction)->get(kItems, u64_key(2)).value().has_value());
  WriteBatch mine;
  mine.put(kItems, u64_key(3), as_bytes("c"));
  mine.put(kMeta, as_bytes("count"), u64_key(3));
  auto committed = (*transaction)->commit(mine, true);
  ASSERT_TRUE(committed.ok()) << committed.error().message();
  EXPECT_EQ(store->count(kItems).value(), 3u);
  EXPECT_EQ(get_u64_be(store->get(kMeta, as_bytes("count")).value()->data()), 3u);
  // A transaction that reads and writes nothing commits nothing.
  auto idle = store->begin();
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE((*idle)->commit(WriteBatch(), false).ok());
}

// A transaction dropped without commit leaves nothing behind (and holds
// nothing: the store goes on).
TEST_P(StoreContract, TransactionDroppedWithoutCommitChangesNothing) {
  auto store = make();
  {
    auto transaction = store->begin();
    ASSERT_TRUE(transaction.ok());
    EXPECT_FALSE((*transaction)->get(kItems, u64_key(1)).value().has_value());
  }
  WriteBatch batch;
  batch.put(kItems, u64_key(1), as_bytes("a"));
  ASSERT_TRUE(store->commit(batch).ok());
  EXPECT_EQ(store->count(kItems).value(), 1u);
}

class StoreCeilingContract : public StoreContract {};

TEST_P(StoreCeilingContract, FullStoreRefusesTheWholeBatch) {
  auto store = make(256 * 1024);
  Bytes value(4000, 0xaa);
  std::uint64_t key = 0;
  Status result;
  for (; key < 1000; ++key) {
    WriteBatch batch;
    batch.put(kItems, u64_key(key), value);
    result = store->commit(batch);
    if (!result) break;
  }
  ASSERT_FALSE(result.ok()) << "never filled up";
  EXPECT_EQ(result.error().code(), ErrorCode::kNoSpace);
  // Nothing of the refused batch is there; everything before it is.
  EXPECT_FALSE(store->get(kItems, u64_key(key)).value().has_value());
  EXPECT_EQ(store->count(kItems).value(), key);
  // Erasing makes room again.
  WriteBatch prune;
  for (std::uint64_t i = 0; i < key / 2; ++i) prune.erase(kItems, u64_key(i));
  auto pruned = store->commit(prune);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message();
  WriteBatch again;
  again.put(kItems, u64_key(key), value);
  auto after = store->commit(again);
  EXPECT_TRUE(after.ok()) << after.error().message() << " usage "
                          << store->usage().value().used_bytes;
}

}  // namespace vs::platform
