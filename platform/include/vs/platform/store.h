#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"

namespace vs::platform {

// Tables are numbered by the caller (the agent and the gateway each have
// their own enum); keys sort as unsigned bytes, so big-endian integers
// sort numerically.
using TableId = std::uint32_t;

struct Record {
  Bytes key;
  Bytes value;
};

struct TableKey {
  TableId table;
  Bytes key;
};

// Changes that land together or not at all.
class WriteBatch {
 public:
  enum class Kind : std::uint8_t { kPut, kErase };
  struct Operation {
    Kind kind;
    TableId table;
    Bytes key;
    Bytes value;
  };

  void put(TableId table, ByteView key, ByteView value) {
    operations_.push_back(
        {Kind::kPut, table, Bytes(key.begin(), key.end()), Bytes(value.begin(), value.end())});
  }
  void erase(TableId table, ByteView key) {
    operations_.push_back({Kind::kErase, table, Bytes(key.begin(), key.end()), {}});
  }
  const std::vector<Operation>& operations() const { return operations_; }
  bool empty() const { return operations_.empty(); }

 private:
  std::vector<Operation> operations_;
};

struct StoreUsage {
  std::uint64_t used_bytes = 0;  // pages in use
  // What the store can hold: its configured ceiling, or less when the
  // filesystem under it has less room (what it holds plus what is free).
  std::uint64_t limit_bytes = 0;
  bool filesystem_limited = false;  // the filesystem, not the ceiling, sets limit_bytes
};

// Reading a store. Each call on a Store sees the latest commit; every call
// on a snapshot sees the same one.
class StoreReader {
 public:
  virtual ~StoreReader() = default;

  virtual Result<std::optional<Bytes>> get(TableId table, ByteView key) const = 0;
  // Several point reads at once, in order: a store whose reads are round
  // trips sends them together. By default, one get() each.
  virtual Result<std::vector<std::optional<Bytes>>> get_many(std::span<const TableKey> keys) const;
  // Whether each read costs a round trip to a server (then reading ahead
  // with get_many pays); an embedded store's reads are memory lookups.
  virtual bool reads_are_round_trips() const { return false; }
  // Up to `limit` records with key >= from, in key order.
  virtual Result<std::vector<Record>> scan(TableId table, ByteView from,
                                           std::size_t limit) const = 0;
  // The record with the greatest key, if any.
  virtual Result<std::optional<Record>> last(TableId table) const = 0;
  virtual Result<std::uint64_t> count(TableId table) const = 0;
};

// Reads of one state and the writes decided from them, committed together.
// Its reads see the state as of its first read (a later commit of another
// writer is not seen). A store several processes share fails commit() with
// kConflict, applying nothing, when another writer's commit since that first
// read changed what this one read or writes; the caller begins again.
class StoreTransaction : public StoreReader {
 public:
  // `durable`: survives a power cut once this returns; otherwise it survives
  // a crash of the process (and the store's next durable commit or sync()
  // makes it durable too).
  virtual Status commit(const WriteBatch& batch, bool durable) = 0;
};

// A durable, ordered key-value store with atomic batches: the device's chain
// and the gateway's state. Contract (checked by one test suite against every
// implementation): a commit is all-or-nothing; after commit() returns, a
// process crash loses nothing; kNoSpace when the ceiling is reached, with
// nothing of that batch applied; a snapshot stays consistent while others
// commit.
class Store : public StoreReader {
 public:
  // A consistent view for several reads (a tool auditing a live store). Do
  // not commit from the thread that holds one.
  virtual Result<std::unique_ptr<StoreReader>> snapshot() const = 0;

  virtual Status commit(const WriteBatch& batch) = 0;
  // Makes every commit so far durable against power loss (group commit).
  virtual Status sync() = 0;
  virtual Result<StoreUsage> usage() const = 0;

  // A transaction. By default its snapshot is taken at the first read and
  // released before commit(batch) (and sync() when durable): right for a
  // store with one writer at a time, which never conflicts. A shared store
  // overrides it.
  virtual Result<std::unique_ptr<StoreTransaction>> begin();
};

// Visits the records of `table` with key >= `from` in key order, a page at a
// time, while `visit` returns true; its error ends the walk and is returned.
template <typename Visit>
Status for_each_record(const StoreReader& store, TableId table, ByteView from, Visit&& visit) {
  constexpr std::size_t kPage = 256;
  Bytes next(from.begin(), from.end());
  for (;;) {
    VS_TRY_ASSIGN(auto records, store.scan(table, next, kPage));
    for (const Record& record : records) {
      VS_TRY_ASSIGN(bool more, visit(record));
      if (!more) return {};
    }
    if (records.size() < kPage) return {};
    next = records.back().key;
    next.push_back(0);  // the smallest key after it
  }
}

// 8-byte big-endian key for integer-keyed tables.
inline Bytes u64_key(std::uint64_t value) {
  Bytes key(8);
  put_u64_be(value, key.data());
  return key;
}

}  // namespace vs::platform
