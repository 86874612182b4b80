#include "vs/agent/agent_store.h"

#include <algorithm>

#include "vs/agent/device_chain.h"

namespace vs::agent {

Result<std::unique_ptr<platform::LmdbStore>> open_agent_store(const AgentStoreOptions& options) {
  platform::LmdbStoreOptions lmdb;
  lmdb.directory = options.directory;
  lmdb.tables = kAgentTableNames;
  lmdb.read_only = options.read_only;
  lmdb.initial_map_bytes = std::min<std::uint64_t>(8ULL << 20, options.max_bytes);
  lmdb.max_map_bytes = options.max_bytes;
  lmdb.durability = options.durability;
  auto store = platform::LmdbStore::open(lmdb);
  if (!store && store.error().code() == ErrorCode::kConflict) {
    return Error(ErrorCode::kInvalidArgument,
                 "is not an agent store (it lacks the agent's tables: a gateway's store?)")
        .about(options.directory.string());
  }
  if (!store) return store;
  Status format = platform::open_store_format(**store, kAgentStoreFormat, !options.read_only);
  if (!format) return std::move(format).error().about(options.directory.string());
  return store;
}

Result<std::vector<std::pair<std::uint64_t, Bytes>>> stored_blocks(
    const platform::StoreReader& store, std::uint64_t from_height, std::size_t limit) {
  VS_TRY_ASSIGN(auto records, store.scan(kBlocksTable, platform::u64_key(from_height), limit));
  std::vector<std::pair<std::uint64_t, Bytes>> out;
  out.reserve(records.size());
  for (platform::Record& record : records) {
    if (record.key.size() != 8)
      return Error(ErrorCode::kMalformed, "stored block height is not 8 bytes");
    out.emplace_back(get_u64_be(record.key.data()), std::move(record.value));
  }
  return out;
}

}  // namespace vs::agent
