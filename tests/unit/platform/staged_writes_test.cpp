#include "vs/platform/staged_writes.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"

namespace vs::platform {
namespace {

constexpr TableId kItems = 0;
constexpr TableId kOther = 1;

Bytes text(std::string_view value) {
  return Bytes(value.begin(), value.end());
}

std::optional<Bytes> read(const StagedWrites& writes, TableId table, std::string_view key) {
  return writes.get(table, as_bytes(key)).value();
}

class StagedWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteBatch batch;
    batch.put(kItems, as_bytes("a"), as_bytes("stored a"));
    batch.put(kItems, as_bytes("b"), as_bytes("stored b"));
    ASSERT_TRUE(store_.commit(batch).ok());
  }
  vs::testing::MemoryStore store_{2};
};

TEST_F(StagedWritesTest, ReadsThroughToTheBaseUntilAKeyIsStaged) {
  StagedWrites writes(store_);
  EXPECT_EQ(read(writes, kItems, "a"), text("stored a"));
  EXPECT_EQ(read(writes, kItems, "zz"), std::nullopt);
  EXPECT_TRUE(writes.empty());
}

TEST_F(StagedWritesTest, TheLatestStagedOperationWins) {
  StagedWrites writes(store_);
  writes.put(kItems, as_bytes("a"), as_bytes("first"));
  writes.put(kItems, as_bytes("a"), as_bytes("second"));
  writes.erase(kItems, as_bytes("b"));
  writes.put(kItems, as_bytes("c"), as_bytes("new c"));
  writes.erase(kItems, as_bytes("c"));
  writes.put(kItems, as_bytes("c"), as_bytes("c again"));
  EXPECT_EQ(read(writes, kItems, "a"), text("second"));
  EXPECT_EQ(read(writes, kItems, "b"), std::nullopt);  // erased here, stored below
  EXPECT_EQ(read(writes, kItems, "c"), text("c again"));
  // Nothing reaches the base before the batch is committed.
  EXPECT_EQ(store_.get(kItems, as_bytes("a")).value(), text("stored a"));
  EXPECT_EQ(writes.batch().operations().size(), 6u);
}

TEST_F(StagedWritesTest, TablesAndKeyPrefixesAreKeptApart) {
  StagedWrites writes(store_);
  writes.put(kOther, as_bytes("a"), as_bytes("other a"));
  writes.put(kItems, as_bytes("ab"), as_bytes("longer key"));
  EXPECT_EQ(read(writes, kItems, "a"), text("stored a"));
  EXPECT_EQ(read(writes, kOther, "a"), text("other a"));
  EXPECT_EQ(read(writes, kItems, "ab"), text("longer key"));
  EXPECT_EQ(read(writes, kOther, "ab"), std::nullopt);
}

TEST_F(StagedWritesTest, CommittingTheBatchLeavesTheStoreAsTheStagedReadsShowed) {
  StagedWrites writes(store_);
  writes.put(kItems, as_bytes("a"), as_bytes("second"));
  writes.erase(kItems, as_bytes("b"));
  ASSERT_TRUE(store_.commit(writes.batch()).ok());
  EXPECT_EQ(store_.get(kItems, as_bytes("a")).value(), text("second"));
  EXPECT_EQ(store_.get(kItems, as_bytes("b")).value(), std::nullopt);
}

}  // namespace
}  // namespace vs::platform
