// The Store contract (support/store_contract.h) on LmdbStore and the tests'
// MemoryStore; then what is LMDB's own.
#include <gtest/gtest.h>

#include <functional>

#include "fakes/memory_store.h"
#include "store_contract.h"
#include "temp_dir.h"
#include "vs/platform/lmdb_store.h"

namespace vs::platform {
namespace {

const auto kEmbeddedStores = ::testing::Values(
    StoreMaker{"Lmdb",
               [](const std::filesystem::path& dir, std::uint64_t limit) -> std::unique_ptr<Store> {
                 LmdbStoreOptions options;
                 options.directory = dir;
                 options.tables = {"items", "meta"};
                 options.initial_map_bytes = 64 * 1024;
                 options.max_map_bytes = limit;
                 return LmdbStore::open(options).value();
               }},
    StoreMaker{"Memory",
               [](const std::filesystem::path&, std::uint64_t limit) -> std::unique_ptr<Store> {
                 return std::make_unique<vs::testing::MemoryStore>(2, limit);
               }});
INSTANTIATE_TEST_SUITE_P(Implementations, StoreContract, kEmbeddedStores,
                         [](const auto& param_info) { return param_info.param.name; });
INSTANTIATE_TEST_SUITE_P(Implementations, StoreCeilingContract, kEmbeddedStores,
                         [](const auto& param_info) { return param_info.param.name; });

TEST(LmdbStore, GrowsTheMapAndKeepsDataAcrossReopen) {
  vs::testing::TempDir dir;
  LmdbStoreOptions options;
  options.directory = dir.path();
  options.tables = {"items"};
  options.initial_map_bytes = 64 * 1024;
  options.max_map_bytes = 64ULL << 20;
  {
    auto store = LmdbStore::open(options).value();
    for (std::uint64_t i = 0; i < 2000; ++i) {
      WriteBatch batch;
      batch.put(0, u64_key(i), Bytes(512, static_cast<std::uint8_t>(i)));
      ASSERT_TRUE(store->commit(batch).ok()) << i;
    }
    EXPECT_GT(store->map_bytes(), options.initial_map_bytes);
  }
  auto reopened = LmdbStore::open(options).value();
  EXPECT_EQ(reopened->count(0).value(), 2000u);
  EXPECT_EQ(reopened->get(0, u64_key(1999)).value().value()[0],
            static_cast<std::uint8_t>(1999 % 256));
}

TEST(LmdbStore, ACopyInstallsAsTheSameStoreAndNeitherEndIsOverwritten) {
  vs::testing::TempDir dir;
  LmdbStoreOptions options;
  options.directory = dir.path() / "store";
  options.tables = {"items", "meta"};
  options.initial_map_bytes = 64 * 1024;
  {
    auto store = LmdbStore::open(options).value();
    for (std::uint64_t i = 0; i < 3000; ++i) {
      WriteBatch batch;
      batch.put(i % 2, u64_key(i), Bytes(300, static_cast<std::uint8_t>(i)));
      if (i % 3 == 0 && i > 0) batch.erase(0, u64_key(i - 2));  // leaves free pages behind
      ASSERT_TRUE(store->commit(batch).ok()) << i;
    }
  }
  std::filesystem::path copy = dir.path() / "store.backup";
  std::uint64_t last_done = 0, last_total = 0;
  Status copied = LmdbStore::copy_to_file(options.directory, copy,
                                          [&](std::uint64_t done, std::uint64_t total) {
                                            last_done = done;
                                            last_total = total;
                                          });
  ASSERT_TRUE(copied.ok()) << copied.error().message();
  EXPECT_FALSE(std::filesystem::exists(copy.string() + ".partial"));
  // Compacted: no larger than the live pages announced, smaller than the file.
  EXPECT_EQ(last_done, std::filesystem::file_size(copy));
  EXPECT_LE(last_done, last_total);
  EXPECT_LT(last_done, std::filesystem::file_size(options.directory / "data.mdb"));
  EXPECT_EQ(LmdbStore::copy_to_file(options.directory, copy).error().code(),
            ErrorCode::kConflict);  // an existing backup is never overwritten
  EXPECT_EQ(LmdbStore::copy_to_file(dir.path() / "absent", dir.path() / "x").error().code(),
            ErrorCode::kNotFound);

  LmdbStoreOptions restored = options;
  restored.directory = dir.path() / "restored";
  ASSERT_TRUE(LmdbStore::install_copy(copy, restored.directory).ok());
  auto store = LmdbStore::open(restored).value();
  auto original = LmdbStore::open(options).value();
  for (TableId table : {0u, 1u}) {
    EXPECT_EQ(store->count(table).value(), original->count(table).value());
    EXPECT_EQ(store->last(table).value()->value, original->last(table).value()->value);
  }
  EXPECT_EQ(LmdbStore::install_copy(copy, restored.directory).error().code(),
            ErrorCode::kConflict);  // a store in use is never overwritten
  EXPECT_EQ(LmdbStore::install_copy(dir.path() / "absent", dir.path() / "y").error().code(),
            ErrorCode::kNotFound);
}

TEST(LmdbStore, ReadOnlyOpenSeesTheWritersDataAndCannotWrite) {
  vs::testing::TempDir dir;
  LmdbStoreOptions options;
  options.directory = dir.path();
  options.tables = {"items"};
  auto writer = LmdbStore::open(options).value();
  WriteBatch batch;
  batch.put(0, u64_key(7), as_bytes("x"));
  ASSERT_TRUE(writer->commit(batch).ok());
  LmdbStoreOptions read_only = options;
  read_only.read_only = true;
  auto reader = LmdbStore::open(read_only);
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  EXPECT_TRUE((*reader)->get(0, u64_key(7)).value().has_value());
  EXPECT_EQ((*reader)->commit(batch).error().code(), ErrorCode::kPermission);
  read_only.tables = {"items", "absent"};
  EXPECT_EQ(LmdbStore::open(read_only).error().code(), ErrorCode::kConflict);
}

TEST(LmdbStore, WithoutCreateNothingIsMadeThatWasNotThere) {
  vs::testing::TempDir dir;
  LmdbStoreOptions options;
  options.directory = dir.path() / "mistyped";
  options.tables = {"items"};
  options.create = false;
  EXPECT_EQ(LmdbStore::open(options).error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(options.directory));
  options.create = true;
  ASSERT_TRUE(LmdbStore::open(options).ok());
  // A store of another kind: its tables are not added, and it says why.
  options.create = false;
  options.tables = {"items", "registry"};
  auto other_kind = LmdbStore::open(options);
  ASSERT_FALSE(other_kind.ok());
  EXPECT_EQ(other_kind.error().code(), ErrorCode::kConflict);
  EXPECT_NE(other_kind.error().message().find("registry"), std::string::npos);
  options.tables = {"registry"};  // and the failed open above did not add it
  EXPECT_EQ(LmdbStore::open(options).error().code(), ErrorCode::kConflict);
}

TEST(LmdbStore, BadOptionsAreNamed) {
  vs::testing::TempDir dir;
  LmdbStoreOptions options;
  options.directory = dir.path();
  EXPECT_EQ(LmdbStore::open(options).error().code(), ErrorCode::kInvalidArgument);
  options.tables = {"items"};
  options.initial_map_bytes = 2 << 20;
  options.max_map_bytes = 1 << 20;
  auto result = LmdbStore::open(options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("initial map size is above the ceiling"),
            std::string::npos);
}

}  // namespace
}  // namespace vs::platform
