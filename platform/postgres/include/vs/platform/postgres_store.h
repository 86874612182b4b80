#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vs/platform/store.h"

namespace vs::platform {

struct PostgresStoreOptions {
  // A libpq connection string ("host=10.0.0.5 port=5432 dbname=vitalsign
  // user=vitalsign" or a postgresql:// URI).
  std::string connection;
  // Every table lives in this schema (lowercase letters, digits, '_').
  std::string schema = "vitalsign";
  std::vector<std::string> tables;  // TableId i is tables[i]
  // Reported as the store's limit; the database's disk is the real one
  // (its "disk full" is kNoSpace).
  std::uint64_t max_bytes = 1ULL << 30;
  // false: the schema and every table must exist already.
  bool create = true;
  // Connections kept open between transactions (more are opened on demand).
  std::size_t idle_connections = 4;
};

// Store on PostgreSQL 15 through libpq, shared by several processes: one
// SQL table (key bytea primary key, value bytea) per table, and
// transactions at SERIALIZABLE isolation, so a commit that another
// process's commit made unsafe fails with kConflict and changes nothing.
// See platform/postgres/README.md for what each guarantee costs.
class PostgresStore final : public Store {
 public:
  static Result<std::unique_ptr<PostgresStore>> open(const PostgresStoreOptions& options);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  Result<std::optional<Bytes>> get(TableId table, ByteView key) const override;
  Result<std::vector<Record>> scan(TableId table, ByteView from, std::size_t limit) const override;
  Result<std::optional<Record>> last(TableId table) const override;
  Result<std::uint64_t> count(TableId table) const override;
  Result<std::unique_ptr<StoreReader>> snapshot() const override;
  Status commit(const WriteBatch& batch) override;
  Status sync() override;
  Result<StoreUsage> usage() const override;
  Result<std::unique_ptr<StoreTransaction>> begin() override;

  struct Impl;

 private:
  explicit PostgresStore(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace vs::platform
