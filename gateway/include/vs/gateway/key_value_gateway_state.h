// The gateway's state in one key-value Store, in the layout of
// gateway_tables.h: on LMDB (embedded, the default: one writer at a time,
// so commit() never conflicts), on PostgreSQL (shared by a cluster of
// gateways: serializable transactions, so a commit that lost a race fails
// with kConflict), or on any platform::Store in tests. A transaction's
// point reads (device, tip, block, held, receipt, next batch id) see its
// own writes, its listings and counts the state of its first read.
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

enum class StoreBackend { kLmdb, kPostgres };

// A postgresql:// or postgres:// URI names a PostgreSQL store; anything
// else, an LMDB directory.
StoreBackend store_backend_of(std::string_view location);

struct GatewayStoreOptions {
  // The LMDB store's directory, or the PostgreSQL connection string.
  std::string location;
  StoreAccess access = StoreAccess::kRead;
  std::uint64_t max_bytes = 1ULL << 30;  // store.max_mb
  platform::Durability durability = platform::Durability::kEveryCommit;
  StoreBackend backend = StoreBackend::kLmdb;
  std::string postgres_schema = "vitalsign";
};
// The gateway's store with its tables, as a GatewayState.
Result<std::unique_ptr<GatewayState>> open_gateway_store(const GatewayStoreOptions& options);

}  // namespace vs::gateway
