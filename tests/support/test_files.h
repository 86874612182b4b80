// Reading what the processes under test left behind: text files (logs,
// exports) and LMDB stores (opened the way the tools open them).
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "vs/platform/lmdb_store.h"

namespace vs::testing {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::size_t count_occurrences(const std::string& text, const std::string& needle) {
  std::size_t found = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++found;
  return found;
}

// The store in `directory` with `tables`, or nothing when it cannot be opened
// (yet): a test polling a running process's store tries again.
inline std::unique_ptr<platform::LmdbStore> open_store(const std::filesystem::path& directory,
                                                       const std::vector<std::string>& tables,
                                                       bool read_only = true) {
  platform::LmdbStoreOptions options;
  options.directory = directory;
  options.tables = tables;
  options.read_only = read_only;
  auto store = platform::LmdbStore::open(options);
  return store ? std::move(store).value() : nullptr;
}

}  // namespace vs::testing
