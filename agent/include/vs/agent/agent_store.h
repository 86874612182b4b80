#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "vs/platform/lmdb_store.h"

namespace vs::agent {

// How the daemon and the tools open a device's chain store (LMDB, the
// tables of device_chain.h). A store of another kind is refused by name.
struct AgentStoreOptions {
  std::filesystem::path directory;
  bool read_only = false;  // a tool reading a live store; it must exist
  std::uint64_t max_bytes = 1ULL << 30;
  platform::Durability durability = platform::Durability::kEveryCommit;
};
Result<std::unique_ptr<platform::LmdbStore>> open_agent_store(const AgentStoreOptions& options);

// Up to `limit` stored blocks from `from_height` on, as (height, bytes).
Result<std::vector<std::pair<std::uint64_t, Bytes>>> stored_blocks(
    const platform::StoreReader& store, std::uint64_t from_height, std::size_t limit);

}  // namespace vs::agent
