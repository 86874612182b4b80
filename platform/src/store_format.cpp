#include "vs/platform/store_format.h"

#include <string>
#include <string_view>

namespace vs::platform {
namespace {

Result<std::optional<std::uint32_t>> read_format(const StoreReader& store,
                                                 const StoreFormat& format) {
  VS_TRY_ASSIGN(auto stored, store.get(format.meta_table, as_bytes(kStoreFormatKey)));
  if (!stored) return std::optional<std::uint32_t>();
  if (stored->size() != 4) {
    return Error(ErrorCode::kMalformed, "store format record is not 4 bytes").about(format.what);
  }
  std::uint32_t version = (std::uint32_t{(*stored)[0]} << 24) |
                          (std::uint32_t{(*stored)[1]} << 16) | (std::uint32_t{(*stored)[2]} << 8) |
                          std::uint32_t{(*stored)[3]};
  return std::optional<std::uint32_t>(version);
}

// Whether this build reads `version`, and if not, what to do.
Result<std::uint32_t> judge(std::uint32_t version, const StoreFormat& format) {
  std::string which = std::string(format.what) + " format " + std::to_string(version) +
                      "; this build reads formats " + std::to_string(format.oldest) + " to " +
                      std::to_string(format.current);
  if (version > format.current) {
    return Error(ErrorCode::kUnsupported,
                 "store was written by a newer vitalsign: run that release or a later one "
                 "(a store is never converted back)")
        .about(which);
  }
  if (version < format.oldest) {
    return Error(ErrorCode::kUnsupported,
                 "store is older than this build reads: open it once with a release that reads "
                 "both formats, which converts it")
        .about(which);
  }
  return version;
}

}  // namespace

Result<std::uint32_t> check_store_format(const StoreReader& store, const StoreFormat& format) {
  VS_TRY_ASSIGN(auto stored, read_format(store, format));
  return judge(stored.value_or(1), format);
}

Status adopt_store_format(Store& store, const StoreFormat& format) {
  for (int attempt = 0;; ++attempt) {
    VS_TRY_ASSIGN(auto stored, read_format(store, format));
    VS_TRY(judge(stored.value_or(1), format));
    if (stored) return {};
    Bytes value{static_cast<std::uint8_t>(format.current >> 24),
                static_cast<std::uint8_t>(format.current >> 16),
                static_cast<std::uint8_t>(format.current >> 8),
                static_cast<std::uint8_t>(format.current)};
    WriteBatch batch;
    batch.put(format.meta_table, as_bytes(kStoreFormatKey), value);
    Status committed = store.commit(batch);
    if (committed || committed.error().code() != ErrorCode::kConflict || attempt == 8)
      return committed;
  }
}

Status open_store_format(Store& store, const StoreFormat& format, bool writable) {
  if (writable) return adopt_store_format(store, format);
  VS_TRY(check_store_format(store, format));
  return {};
}

}  // namespace vs::platform
