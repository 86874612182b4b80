#include "vs/platform/watched_file.h"

#include <fstream>

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

}  // namespace vs::platform
