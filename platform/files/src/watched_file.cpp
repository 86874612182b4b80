#include "vs/platform/watched_file.h"

#include <fstream>

#include "vs/platform/log.h"

namespace vs::platform {

Result<std::optional<std::string>> WatchedFile::read_if_changed() {
  std::error_code error;
  auto time = std::filesystem::last_write_time(path_, error);
  auto size = error ? 0 : std::filesystem::file_size(path_, error);
  if (error) return Error(ErrorCode::kNotFound, "cannot read the file").about(path_.string());
  if (seen_time_ && *seen_time_ == time && seen_size_ == size) return std::optional<std::string>();
  if (size > max_bytes_)
    return Error(ErrorCode::kMalformed, "the file is too large").about(path_.string());
  std::ifstream in(path_, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, "cannot read the file").about(path_.string());
  std::string text(max_bytes_ + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes_)
    return Error(ErrorCode::kMalformed, "the file is too large").about(path_.string());
  seen_time_ = time;
  seen_size_ = size;
  return std::optional<std::string>(std::move(text));
}

bool WatchedFile::poll(std::chrono::steady_clock::time_point now,
                       const std::function<Status(const std::string& text)>& take) {
  if (polled_ && now - *polled_ < kPollInterval) return false;
  polled_ = now;
  std::error_code error;
  if (!seen_time_ && !std::filesystem::exists(path_, error)) return false;
  auto failed = [&](const Error& why) {
    std::string message = why.message();
    if (message != last_failure_)
      log(LogLevel::kError, "not taken (what was read before stays): " + message);
    last_failure_ = message;
    return false;
  };
  auto text = read_if_changed();
  if (!text) return failed(text.error());
  if (!*text) return false;
  if (auto taken = take(**text); !taken)
    return failed(std::move(taken).error().about(path_.string()));
  last_failure_.clear();
  return true;
}

}  // namespace vs::platform
