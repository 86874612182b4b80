#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vs/platform/store.h"

namespace vs::platform {

enum class Durability {
  kEveryCommit,  // fsync data and meta at every commit (LMDB default)
  kGroupCommit,  // no fsync at commit; the owner calls sync() within its window
};

struct LmdbStoreOptions {
  std::filesystem::path directory;
  std::vector<std::string> tables;  // TableId i is tables[i]
  std::uint64_t initial_map_bytes = 1 << 20;
  std::uint64_t max_map_bytes = 1ULL << 30;  // ceiling on live data: kNoSpace past it
  Durability durability = Durability::kEveryCommit;
  bool read_only = false;  // for tools reading a live store
  // false: the store and every table must exist already (a tool pointed at
  // a mistyped path, or at a store of another kind, changes nothing).
  bool create = true;
  // Free bytes on the filesystem holding the store (statvfs by default; a
  // test may stand in for a small disk).
  std::function<Result<std::uint64_t>(const std::filesystem::path&)> filesystem_free;
};

// Store on LMDB 0.9. See platform/lmdb/README.md for its crash-safety steps.
class LmdbStore final : public Store {
 public:
  static Result<std::unique_ptr<LmdbStore>> open(const LmdbStoreOptions& options);
  ~LmdbStore() override;
  LmdbStore(const LmdbStore&) = delete;
  LmdbStore& operator=(const LmdbStore&) = delete;

  Result<std::optional<Bytes>> get(TableId table, ByteView key) const override;
  Result<std::vector<Record>> scan(TableId table, ByteView from, std::size_t limit) const override;
  Result<std::optional<Record>> last(TableId table) const override;
  Result<std::uint64_t> count(TableId table) const override;
  Result<std::unique_ptr<StoreReader>> snapshot() const override;
  Status commit(const WriteBatch& batch) override;
  Status sync() override;
  Result<StoreUsage> usage() const override;

  // A consistent copy of the store in `directory`, as one file: LMDB's
  // compacting copy in one read transaction, so it is safe while another
  // process writes and leaves free pages out. Written beside `out_file`,
  // synced, then renamed: a copy that exists is whole. `progress` gets
  // (bytes written, bytes the live data holds) now and then.
  static Status copy_to_file(
      const std::filesystem::path& directory, const std::filesystem::path& out_file,
      const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
  // Makes `directory` (absent or empty) a store from such a copy, synced.
  static Status install_copy(const std::filesystem::path& copy_file,
                             const std::filesystem::path& directory);

  std::uint64_t map_bytes() const;
  // Stale reader slots (of crashed processes) cleared when the store opened.
  int stale_readers_cleared() const;

 private:
  // Pages of live data (all tables), excluding free pages.
  Result<std::uint64_t> live_bytes() const;
  // Bytes the batch's erases would free (keys and values that exist).
  Result<std::uint64_t> erased_bytes(const WriteBatch& batch) const;

  template <typename Read>
  auto read(TableId table, Read&& read_in) const -> decltype(read_in(nullptr, 0));

  struct Impl;
  explicit LmdbStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs::platform
