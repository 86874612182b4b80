#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "vs/platform/result.h"

namespace vs::platform {

// A small text file a daemon reads at start and again whenever it is
// replaced (its modification time or size changed), such as a trusted keys
// file an operator updates in place while the daemon runs.
class WatchedFile {
 public:
  static constexpr std::chrono::seconds kPollInterval{1};

  WatchedFile(std::filesystem::path path, std::size_t max_bytes)
      : path_(std::move(path)), max_bytes_(max_bytes) {}

  // The whole text on the first call and after each change, nullopt when
  // unchanged; an error (that names the file) when it cannot be read or is
  // over max_bytes. A failed read is tried again on the next call.
  Result<std::optional<std::string>> read_if_changed();

  // From a daemon's loop: at most once per kPollInterval, a changed file's
  // text goes to `take`. True when taken. A failure (the read's or take's)
  // is logged once per reason, and what was taken before stays. A file that
  // was never read and is not there is nothing to take.
  bool poll(std::chrono::steady_clock::time_point now,
            const std::function<Status(const std::string& text)>& take);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::size_t max_bytes_;
  std::optional<std::filesystem::file_time_type> seen_time_;
  std::uintmax_t seen_size_ = 0;
  std::optional<std::chrono::steady_clock::time_point> polled_;
  std::string last_failure_;  // logged once
};

}  // namespace vs::platform
