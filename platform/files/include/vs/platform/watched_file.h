#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "vs/platform/result.h"

namespace vs::platform {

// A small text file a daemon reads at start and again whenever it is
// replaced (its modification time or size changed), such as a trusted keys
// file an operator updates in place while the daemon runs.
class WatchedFile {
 public:
  WatchedFile(std::filesystem::path path, std::size_t max_bytes)
      : path_(std::move(path)), max_bytes_(max_bytes) {}

  // The whole text on the first call and after each change, nullopt when
  // unchanged; an error (that names the file) when it cannot be read or is
  // over max_bytes. A failed read is tried again on the next call.
  Result<std::optional<std::string>> read_if_changed();

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::size_t max_bytes_;
  std::optional<std::filesystem::file_time_type> seen_time_;
  std::uintmax_t seen_size_ = 0;
};

}  // namespace vs::platform
