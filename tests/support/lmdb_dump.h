// Loads `mdb_dump -a` output (LMDB's portable text form: a header per
// database naming it, then hex key and value lines) into a new LMDB store
// whose tables carry the dumped databases' names. Fixture stores travel in
// this form: an LMDB file depends on the word size, and a 32-bit build
// (armhf) cannot read one written by a 64-bit one.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "vs/platform/lmdb_store.h"

namespace vs::testing {

inline Status load_lmdb_dump(const std::filesystem::path& dump,
                             const std::filesystem::path& directory,
                             const std::vector<std::string>& tables) {
  std::ifstream in(dump);
  if (!in) return Error(ErrorCode::kNotFound, "cannot read the dump").about(dump.string());
  platform::WriteBatch batch;
  std::size_t table = tables.size();
  bool in_data = false, have_key = false;
  Bytes key, value;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("database=", 0) == 0) {
      auto found = std::find(tables.begin(), tables.end(), line.substr(9));
      if (found == tables.end())
        return Error(ErrorCode::kInvalidArgument, "dump names an unknown table").about(line);
      table = static_cast<std::size_t>(found - tables.begin());
    } else if (line == "HEADER=END") {
      in_data = true;
    } else if (line == "DATA=END") {
      in_data = false;
    } else if (in_data && !line.empty() && line[0] == ' ') {
      if (table == tables.size())
        return Error(ErrorCode::kMalformed, "dump data before a database= line").about(line);
      if (!have_key) {
        VS_TRY_ASSIGN(key, from_hex(std::string_view(line).substr(1)));
      } else {
        VS_TRY_ASSIGN(value, from_hex(std::string_view(line).substr(1)));
        batch.put(static_cast<platform::TableId>(table), key, value);
      }
      have_key = !have_key;
    }
  }
  if (have_key) return Error(ErrorCode::kMalformed, "dump ends with a key and no value");
  platform::LmdbStoreOptions options;
  options.directory = directory;
  options.tables = tables;
  VS_TRY_ASSIGN(auto store, platform::LmdbStore::open(options));
  return store->commit(batch);
}

}  // namespace vs::testing
