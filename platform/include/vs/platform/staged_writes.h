#pragma once

#include <map>
#include <optional>
#include <utility>

#include "vs/platform/store.h"

namespace vs::platform {

// Writes gathered for one commit, readable before it: get() sees what was
// staged here, then the store. Lets a caller fold many small updates (one
// per block) into one transaction and still read its own writes.
class StagedWrites {
 public:
  void put(TableId table, ByteView key, ByteView value) {
    batch_.put(table, key, value);
    latest_[{table, Bytes(key.begin(), key.end())}] = Bytes(value.begin(), value.end());
  }
  void erase(TableId table, ByteView key) {
    batch_.erase(table, key);
    latest_[{table, Bytes(key.begin(), key.end())}] = std::nullopt;
  }
  Result<std::optional<Bytes>> get(const StoreReader& store, TableId table, ByteView key) const {
    auto staged = latest_.find({table, Bytes(key.begin(), key.end())});
    if (staged != latest_.end()) return staged->second;
    return store.get(table, key);
  }
  const WriteBatch& batch() const { return batch_; }
  bool empty() const { return batch_.empty(); }

 private:
  WriteBatch batch_;
  std::map<std::pair<TableId, Bytes>, std::optional<Bytes>> latest_;
};

}  // namespace vs::platform
