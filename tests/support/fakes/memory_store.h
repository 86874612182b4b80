// Store in memory, with a byte budget and injectable faults: the unit
// tests' stand-in for LmdbStore, held honest by the same contract suite.
#pragma once

#include <map>
#include <mutex>
#include <vector>

#include "vs/platform/store.h"

namespace vs::testing {

class MemoryStore final : public platform::Store {
 public:
  explicit MemoryStore(std::size_t tables, std::uint64_t limit_bytes = 1ULL << 30)
      : tables_(tables), limit_bytes_(limit_bytes) {}

  // The next `count` commits fail with `code`, applying nothing.
  void fail_next_commits(int count, ErrorCode code = ErrorCode::kIo) {
    std::lock_guard lock(mutex_);
    failures_left_ = count;
    failure_code_ = code;
  }
  void set_limit_bytes(std::uint64_t limit) {
    std::lock_guard lock(mutex_);
    limit_bytes_ = limit;
  }
  int commits() const { return commits_; }

  Result<std::optional<Bytes>> get(platform::TableId table, ByteView key) const override {
    std::lock_guard lock(mutex_);
    VS_TRY(check(table));
    auto it = tables_[table].find(Bytes(key.begin(), key.end()));
    if (it == tables_[table].end()) return std::optional<Bytes>();
    return std::optional<Bytes>(it->second);
  }

  Result<std::vector<platform::Record>> scan(platform::TableId table, ByteView from,
                                             std::size_t limit) const override {
    std::lock_guard lock(mutex_);
    VS_TRY(check(table));
    std::vector<platform::Record> out;
    for (auto it = tables_[table].lower_bound(Bytes(from.begin(), from.end()));
         it != tables_[table].end() && out.size() < limit; ++it) {
      out.push_back({it->first, it->second});
    }
    return out;
  }

  Result<std::optional<platform::Record>> last(platform::TableId table) const override {
    std::lock_guard lock(mutex_);
    VS_TRY(check(table));
    if (tables_[table].empty()) return std::optional<platform::Record>();
    auto it = std::prev(tables_[table].end());
    return std::optional<platform::Record>(platform::Record{it->first, it->second});
  }

  Result<std::uint64_t> count(platform::TableId table) const override {
    std::lock_guard lock(mutex_);
    VS_TRY(check(table));
    return static_cast<std::uint64_t>(tables_[table].size());
  }

  Status commit(const platform::WriteBatch& batch) override {
    std::lock_guard lock(mutex_);
    for (const auto& operation : batch.operations()) VS_TRY(check(operation.table));
    if (failures_left_ > 0) {
      --failures_left_;
      return Error(failure_code_, "injected store failure");
    }
    auto next = tables_;
    for (const auto& operation : batch.operations()) {
      if (operation.kind == platform::WriteBatch::Kind::kPut) {
        if (operation.key.empty()) return Error(ErrorCode::kInvalidArgument, "empty key");
        next[operation.table][operation.key] = operation.value;
      } else {
        next[operation.table].erase(operation.key);
      }
    }
    if (bytes_of(next) > limit_bytes_) {
      return Error(ErrorCode::kNoSpace, "store is at its configured size ceiling");
    }
    tables_ = std::move(next);
    ++commits_;
    return {};
  }

  Result<std::unique_ptr<platform::StoreReader>> snapshot() const override {
    std::lock_guard lock(mutex_);
    auto copy = std::make_unique<MemoryStore>(tables_.size(), limit_bytes_);
    copy->tables_ = tables_;
    return std::unique_ptr<platform::StoreReader>(std::move(copy));
  }

  Status sync() override { return {}; }

  Result<platform::StoreUsage> usage() const override {
    std::lock_guard lock(mutex_);
    return platform::StoreUsage{bytes_of(tables_), limit_bytes_};
  }

 private:
  using Table = std::map<Bytes, Bytes>;

  Status check(platform::TableId table) const {
    if (table >= tables_.size()) return Error(ErrorCode::kInvalidArgument, "no such table");
    return {};
  }
  static std::uint64_t bytes_of(const std::vector<Table>& tables) {
    std::uint64_t total = 0;
    for (const Table& table : tables) {
      for (const auto& [key, value] : table) total += key.size() + value.size();
    }
    return total;
  }

  mutable std::mutex mutex_;
  std::vector<Table> tables_;
  std::uint64_t limit_bytes_;
  int failures_left_ = 0;
  ErrorCode failure_code_ = ErrorCode::kIo;
  int commits_ = 0;
};

}  // namespace vs::testing
