#include "vs/platform/store.h"

namespace vs::platform {

namespace {

// Its snapshot is opened at the first read, not at begin(): an LMDB reader
// held open keeps writers from reusing pages, so a transaction that has read
// nothing yet (the anchorer's, while an outside ledger takes seconds) holds
// none.
class SingleWriterTransaction final : public StoreTransaction {
 public:
  explicit SingleWriterTransaction(Store& store) : store_(store) {}

  Result<std::optional<Bytes>> get(TableId table, ByteView key) const override {
    VS_TRY(open());
    return snapshot_->get(table, key);
  }
  Result<std::vector<Record>> scan(TableId table, ByteView from, std::size_t limit) const override {
    VS_TRY(open());
    return snapshot_->scan(table, from, limit);
  }
  Result<std::optional<Record>> last(TableId table) const override {
    VS_TRY(open());
    return snapshot_->last(table);
  }
  Result<std::uint64_t> count(TableId table) const override {
    VS_TRY(open());
    return snapshot_->count(table);
  }
  Status commit(const WriteBatch& batch, bool durable) override {
    snapshot_.reset();  // it holds the store's size fixed, and the commit may need to grow it
    if (batch.empty()) return {};
    VS_TRY(store_.commit(batch));
    if (durable) VS_TRY(store_.sync());
    return {};
  }

 private:
  Status open() const {
    if (snapshot_) return {};
    VS_TRY_ASSIGN(snapshot_, store_.snapshot());
    return {};
  }
  Store& store_;
  mutable std::unique_ptr<StoreReader> snapshot_;
};

}  // namespace

Result<std::vector<std::optional<Bytes>>> StoreReader::get_many(
    std::span<const TableKey> keys) const {
  std::vector<std::optional<Bytes>> out;
  out.reserve(keys.size());
  for (const TableKey& key : keys) {
    VS_TRY_ASSIGN(auto value, get(key.table, key.key));
    out.push_back(std::move(value));
  }
  return out;
}

Result<std::unique_ptr<StoreTransaction>> Store::begin() {
  return std::unique_ptr<StoreTransaction>(std::make_unique<SingleWriterTransaction>(*this));
}

}  // namespace vs::platform
