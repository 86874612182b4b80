#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "vs/platform/store.h"

namespace vs::platform {

// Writes gathered for one commit, readable before it: get() sees what was
// staged here, then `base` (the store, or a snapshot of it that the caller
// keeps alive while reading). Lets a caller fold many small updates (one per
// block) into one transaction and still read its own writes.
class StagedWrites {
 public:
  explicit StagedWrites(const StoreReader& base) : base_(&base) {}

  void put(TableId table, ByteView key, ByteView value) {
    batch_.put(table, key, value);
    remember(table, key);
  }
  void erase(TableId table, ByteView key) {
    batch_.erase(table, key);
    remember(table, key);
  }
  Result<std::optional<Bytes>> get(TableId table, ByteView key) const {
    auto staged = latest_.find(LookupKey{table, key});
    if (staged == latest_.end()) {
      auto read = read_ahead_.find(LookupKey{table, key});
      if (read != read_ahead_.end()) return read->second;
      return base_->get(table, key);
    }
    const WriteBatch::Operation& operation = batch_.operations()[staged->second];
    if (operation.kind == WriteBatch::Kind::kErase) return std::optional<Bytes>();
    return std::optional<Bytes>(operation.value);
  }
  // Reads `keys` from the base now, all at once, for the get()s that follow
  // (what was staged already wins, as it would).
  Status read_ahead(std::span<const TableKey> keys) {
    VS_TRY_ASSIGN(auto values, base_->get_many(keys));
    for (std::size_t i = 0; i < keys.size(); ++i)
      read_ahead_.insert_or_assign({keys[i].table, keys[i].key}, std::move(values[i]));
    return {};
  }
  const WriteBatch& batch() const { return batch_; }
  bool empty() const { return batch_.empty(); }

 private:
  // Staged keys map to their latest operation in the batch, so a value is
  // held once, and looked up without copying the key.
  struct LookupKey {
    TableId table;
    ByteView key;
  };
  struct KeyOrder {
    using is_transparent = void;
    static auto tied(const std::pair<TableId, Bytes>& k) {
      return std::pair(k.first, ByteView(k.second));
    }
    static auto tied(const LookupKey& k) { return std::pair(k.table, k.key); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      auto [table_a, key_a] = tied(a);
      auto [table_b, key_b] = tied(b);
      if (table_a != table_b) return table_a < table_b;
      return std::lexicographical_compare(key_a.begin(), key_a.end(), key_b.begin(), key_b.end());
    }
  };
  void remember(TableId table, ByteView key) {
    std::size_t index = batch_.operations().size() - 1;
    auto found = latest_.find(LookupKey{table, key});
    if (found != latest_.end()) {
      found->second = index;
    } else {
      latest_.emplace(std::pair(table, Bytes(key.begin(), key.end())), index);
    }
  }

  const StoreReader* base_;
  WriteBatch batch_;
  std::map<std::pair<TableId, Bytes>, std::size_t, KeyOrder> latest_;
  std::map<std::pair<TableId, Bytes>, std::optional<Bytes>, KeyOrder> read_ahead_;
};

}  // namespace vs::platform
