#pragma once

#include <cstdint>

#include "vs/platform/result.h"
#include "vs/platform/store.h"

namespace vs::platform {

// Which layout a store was written in: a 4-byte big-endian number under
// "store_format" in its owner's meta table, so that a build never reads a
// layout it does not know as if it did. A store without the record was
// written before formats were recorded (release 0.1.0): that is format 1.
struct StoreFormat {
  const char* what;          // "agent store", "gateway store": for messages
  TableId meta_table;        // where the record lives
  std::uint32_t current;     // the format this build reads and writes
  std::uint32_t oldest = 1;  // the oldest this build still reads as it is
};

inline constexpr const char* kStoreFormatKey = "store_format";

// The store's format when this build reads it; kUnsupported naming the
// format and what to do when it is newer than `current` or older than
// `oldest`; kMalformed when the record is not 4 bytes.
Result<std::uint32_t> check_store_format(const StoreReader& store, const StoreFormat& format);

// check_store_format, then, on a store without the record, records
// `current` (retried on a write conflict: another writer may do the same).
Status adopt_store_format(Store& store, const StoreFormat& format);

// At open: adopt_store_format for a store opened to write, only
// check_store_format for one opened to read (a tool changes nothing).
Status open_store_format(Store& store, const StoreFormat& format, bool writable);

}  // namespace vs::platform
