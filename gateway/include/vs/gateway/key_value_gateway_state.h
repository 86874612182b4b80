// The embedded backend: the gateway's state in one key-value Store (LMDB in
// the daemon, any platform::Store in tests), in the layout of
// gateway_tables.h. One writer at a time (LMDB serialises writers across
// processes), so commit() never conflicts; a transaction's point reads
// (device, tip, block, held, receipt, next batch id) see its own writes,
// its listings and counts the state of its first read (an LMDB snapshot,
// held until it commits).
#pragma once

#include <memory>
#include <string>

#include "vs/gateway/gateway_state.h"
#include "vs/platform/lmdb_store.h"

namespace vs::gateway {

// Over a store the caller keeps alive (tests, benchmarks), or one it hands over.
std::unique_ptr<GatewayState> make_key_value_gateway_state(platform::Store& store);
std::unique_ptr<GatewayState> make_key_value_gateway_state(std::unique_ptr<platform::Store> owned);

// How a process opens a gateway's store: only to read (operators' views),
// to write into one that exists (revoke, exports, which add to the access
// log), or to make it when missing (the daemon, `enrol --create`). Nothing
// but kCreate makes a store or a table: a mistyped path or an agent's store
// is refused by name and left as it was.
enum class StoreAccess { kRead, kWrite, kCreate };

struct GatewayStoreOptions {
  std::string directory;
  StoreAccess access = StoreAccess::kRead;
  std::uint64_t max_bytes = 1ULL << 30;  // store.max_mb
  platform::Durability durability = platform::Durability::kEveryCommit;
};
// The gateway's LMDB store with its tables, as a GatewayState.
Result<std::unique_ptr<GatewayState>> open_gateway_store(const GatewayStoreOptions& options);

}  // namespace vs::gateway
