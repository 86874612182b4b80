#include "vs/platform/lmdb_store.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace vs::platform {
namespace {

MDB_val as_val(ByteView bytes) {
  return MDB_val{bytes.size(), const_cast<std::uint8_t*>(bytes.data())};
}

Bytes as_bytes(const MDB_val& value) {
  const auto* data = static_cast<const std::uint8_t*>(value.mv_data);
  return Bytes(data, data + value.mv_size);
}

Error lmdb_error(int rc, const char* reason) {
  if (rc == MDB_MAP_FULL || rc == ENOSPC) return Error(ErrorCode::kNoSpace, reason, rc);
  if (rc == EACCES || rc == EROFS) return Error(ErrorCode::kPermission, reason, rc);
  if (rc == MDB_BAD_VALSIZE) return Error(ErrorCode::kInvalidArgument, reason, rc);
  return Error(ErrorCode::kIo, reason, rc);
}

Result<std::uint64_t> filesystem_free_bytes(const std::filesystem::path& directory) {
  struct statvfs stats {};
  if (::statvfs(directory.c_str(), &stats) != 0)
    return Error(ErrorCode::kIo, "cannot read the filesystem's free space", errno)
        .about(directory.string());
  return static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize;
}

}  // namespace

struct LmdbStore::Impl {
  MDB_env* env = nullptr;
  std::vector<MDB_dbi> tables;
  MDB_dbi main_table = 0;  // LMDB's own, holding the table names
  LmdbStoreOptions options;
  std::uint64_t map_bytes = 0;
  int stale_readers = 0;
  std::mutex write_mutex;                 // one writer at a time in this process
  mutable std::shared_mutex resize_lock;  // the map may grow only with no txn open

  ~Impl() {
    if (env != nullptr) mdb_env_close(env);
  }

  // A read-only transaction, adopting a map another process has grown.
  Result<MDB_txn*> begin_read() const {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED) {
      mdb_env_set_mapsize(env, 0);
      rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    }
    if (rc != 0) return lmdb_error(rc, "cannot begin a read transaction");
    return txn;
  }

  Status check_table(TableId table) const {
    if (table >= tables.size()) return Error(ErrorCode::kInvalidArgument, "no such table");
    return {};
  }
};

LmdbStore::LmdbStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LmdbStore::~LmdbStore() = default;

Result<std::unique_ptr<LmdbStore>> LmdbStore::open(const LmdbStoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::string where = options.directory.string();
  std::error_code error;
  bool create = options.create && !options.read_only;
  if (create) std::filesystem::create_directories(options.directory, error);
  if (error)
    return Error(ErrorCode::kIo, "cannot create the store directory", error.value()).about(where);
  if (!create && !std::filesystem::is_regular_file(options.directory / "data.mdb", error))
    return Error(ErrorCode::kNotFound, "no store here (no data.mdb)").about(where);
  if (options.tables.empty() || options.tables.size() > 64) {
    return Error(ErrorCode::kInvalidArgument, "a store needs 1 to 64 tables").about(where);
  }
  if (options.initial_map_bytes > options.max_map_bytes) {
    return Error(ErrorCode::kInvalidArgument, "initial map size is above the ceiling").about(where);
  }
  // The map may grow to twice the ceiling (commit()), and a map is one
  // size_t: on a 32-bit board (armhf) the ceiling is below 2 GiB.
  if (options.max_map_bytes > std::numeric_limits<std::size_t>::max() / 2) {
    return Error(ErrorCode::kInvalidArgument,
                 "store ceiling is above what this platform can map (twice the ceiling must fit "
                 "in its address space)")
        .about(where + ": " + std::to_string(options.max_map_bytes) + " bytes");
  }
  int rc = mdb_env_create(&impl->env);
  if (rc != 0) return lmdb_error(rc, "cannot create an LMDB environment").about(where);
  mdb_env_set_maxdbs(impl->env, static_cast<MDB_dbi>(options.tables.size()));
  mdb_env_set_maxreaders(impl->env, 126);
  // Before open: a new store starts at the initial size; an existing one
  // keeps the larger size recorded in its meta page.
  mdb_env_set_mapsize(impl->env, static_cast<std::size_t>(options.initial_map_bytes));
  unsigned flags = MDB_NOTLS;
  if (options.read_only) flags |= MDB_RDONLY;
  if (options.durability == Durability::kGroupCommit) flags |= MDB_NOSYNC;
  rc = mdb_env_open(impl->env, where.c_str(), flags, 0600);
  if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
    return Error(ErrorCode::kMalformed,
                 "data.mdb is not an LMDB store (or one of another word size or byte order)", rc)
        .about(where);
  if (rc != 0) return lmdb_error(rc, "cannot open the LMDB store").about(where);

  MDB_envinfo info;
  mdb_env_info(impl->env, &info);
  impl->map_bytes = info.me_mapsize;
  if (!options.read_only) {
    // Reader slots of processes that died (kill -9, power loss) pin old pages.
    mdb_reader_check(impl->env, &impl->stale_readers);
  }

  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(impl->env, nullptr, options.read_only ? MDB_RDONLY : 0u, &txn);
  if (rc != 0) return lmdb_error(rc, "cannot begin the setup transaction").about(where);
  rc = mdb_dbi_open(txn, nullptr, 0, &impl->main_table);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return lmdb_error(rc, "cannot open the main table").about(where);
  }
  for (const std::string& name : options.tables) {
    MDB_dbi dbi = 0;
    rc = mdb_dbi_open(txn, name.c_str(), create ? MDB_CREATE : 0u, &dbi);
    if (rc != 0) {
      mdb_txn_abort(txn);
      if (rc == MDB_NOTFOUND)
        return Error(ErrorCode::kConflict, "the store has no such table (a store of another kind?)")
            .about(where + ": " + name);
      return lmdb_error(rc, "cannot open a table").about(where + ": " + name);
    }
    impl->tables.push_back(dbi);
  }
  rc = mdb_txn_commit(txn);  // table handles are usable by other txns only after this
  if (rc != 0) return lmdb_error(rc, "cannot commit the setup transaction").about(where);
  return std::unique_ptr<LmdbStore>(new LmdbStore(std::move(impl)));
}

namespace {

Result<std::optional<Bytes>> get_in(MDB_txn* txn, MDB_dbi dbi, ByteView key) {
  MDB_val k = as_val(key);
  MDB_val v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<Bytes>();
  if (rc != 0) return lmdb_error(rc, "cannot read a record");
  return std::optional<Bytes>(as_bytes(v));
}

Result<std::vector<Record>> scan_in(MDB_txn* txn, MDB_dbi dbi, ByteView from, std::size_t limit) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, dbi, &cursor);
  std::vector<Record> records;
  if (rc == 0) {
    MDB_val k = as_val(from);
    MDB_val v;
    rc = from.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
                      : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && records.size() < limit) {
      records.push_back({as_bytes(k), as_bytes(v)});
      rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cursor);
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_error(rc, "cannot scan a table");
  return records;
}

Result<std::optional<Record>> last_in(MDB_txn* txn, MDB_dbi dbi) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, dbi, &cursor);
  std::optional<Record> out;
  if (rc == 0) {
    MDB_val k;
    MDB_val v;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST);
    if (rc == 0) out = Record{as_bytes(k), as_bytes(v)};
    mdb_cursor_close(cursor);
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_error(rc, "cannot read the last record");
  return out;
}

Result<std::uint64_t> count_in(MDB_txn* txn, MDB_dbi dbi) {
  MDB_stat stat;
  int rc = mdb_stat(txn, dbi, &stat);
  if (rc != 0) return lmdb_error(rc, "cannot count a table");
  return static_cast<std::uint64_t>(stat.ms_entries);
}

// One read transaction held for the snapshot's life.
class LmdbSnapshot final : public StoreReader {
 public:
  LmdbSnapshot(MDB_txn* txn, std::vector<MDB_dbi> tables, std::shared_lock<std::shared_mutex> lock)
      : txn_(txn), tables_(std::move(tables)), lock_(std::move(lock)) {}
  ~LmdbSnapshot() override { mdb_txn_abort(txn_); }
  LmdbSnapshot(const LmdbSnapshot&) = delete;
  LmdbSnapshot& operator=(const LmdbSnapshot&) = delete;

  Result<std::optional<Bytes>> get(TableId table, ByteView key) const override {
    VS_TRY(check(table));
    return get_in(txn_, tables_[table], key);
  }
  Result<std::vector<Record>> scan(TableId table, ByteView from, std::size_t limit) const override {
    VS_TRY(check(table));
    return scan_in(txn_, tables_[table], from, limit);
  }
  Result<std::optional<Record>> last(TableId table) const override {
    VS_TRY(check(table));
    return last_in(txn_, tables_[table]);
  }
  Result<std::uint64_t> count(TableId table) const override {
    VS_TRY(check(table));
    return count_in(txn_, tables_[table]);
  }

 private:
  Status check(TableId table) const {
    if (table >= tables_.size()) return Error(ErrorCode::kInvalidArgument, "no such table");
    return {};
  }
  MDB_txn* txn_;
  std::vector<MDB_dbi> tables_;
  std::shared_lock<std::shared_mutex> lock_;  // no map resize under an open txn
};

}  // namespace

// Each call: one short read transaction.
template <typename Read>
auto LmdbStore::read(TableId table, Read&& read_in) const -> decltype(read_in(nullptr, 0)) {
  VS_TRY(impl_->check_table(table));
  std::shared_lock lock(impl_->resize_lock);
  VS_TRY_ASSIGN(MDB_txn * txn, impl_->begin_read());
  auto result = read_in(txn, impl_->tables[table]);
  mdb_txn_abort(txn);
  return result;
}

Result<std::optional<Bytes>> LmdbStore::get(TableId table, ByteView key) const {
  return read(table, [&](MDB_txn* txn, MDB_dbi dbi) { return get_in(txn, dbi, key); });
}

Result<std::vector<Record>> LmdbStore::scan(TableId table, ByteView from, std::size_t limit) const {
  return read(table, [&](MDB_txn* txn, MDB_dbi dbi) { return scan_in(txn, dbi, from, limit); });
}

Result<std::optional<Record>> LmdbStore::last(TableId table) const {
  return read(table, [&](MDB_txn* txn, MDB_dbi dbi) { return last_in(txn, dbi); });
}

Result<std::uint64_t> LmdbStore::count(TableId table) const {
  return read(table, [&](MDB_txn* txn, MDB_dbi dbi) { return count_in(txn, dbi); });
}

Result<std::unique_ptr<StoreReader>> LmdbStore::snapshot() const {
  std::shared_lock lock(impl_->resize_lock);
  VS_TRY_ASSIGN(MDB_txn * txn, impl_->begin_read());
  return std::unique_ptr<StoreReader>(new LmdbSnapshot(txn, impl_->tables, std::move(lock)));
}

Status LmdbStore::commit(const WriteBatch& batch) {
  if (impl_->options.read_only) return Error(ErrorCode::kPermission, "the store is open read-only");
  for (const auto& operation : batch.operations()) VS_TRY(impl_->check_table(operation.table));
  std::uint64_t added_bytes = 0;
  bool adds = false;
  for (const auto& operation : batch.operations()) {
    if (operation.kind != WriteBatch::Kind::kPut) continue;
    added_bytes += operation.key.size() + operation.value.size();
    adds = true;
  }
  const std::uint64_t ceiling = impl_->options.max_map_bytes;
  std::lock_guard writer(impl_->write_mutex);
  // The ceiling bounds live data; a batch of erases alone is always let
  // through, so a full store can prune.
  auto over_ceiling = [&]() -> Result<bool> {
    if (!adds) return false;
    VS_TRY_ASSIGN(std::uint64_t live, live_bytes());
    VS_TRY_ASSIGN(std::uint64_t erased, erased_bytes(batch));
    return live + added_bytes > ceiling + erased;
  };
  if (impl_->map_bytes > ceiling) {
    VS_TRY_ASSIGN(bool over, over_ceiling());
    if (over) return Error(ErrorCode::kNoSpace, "store is at its configured size ceiling");
  }
  for (;;) {
    int rc = 0;
    {
      std::shared_lock lock(impl_->resize_lock);
      MDB_txn* txn = nullptr;
      rc = mdb_txn_begin(impl_->env, nullptr, 0, &txn);
      if (rc != 0) return lmdb_error(rc, "cannot begin a write transaction");
      for (const auto& operation : batch.operations()) {
        MDB_val k = as_val(operation.key);
        if (operation.kind == WriteBatch::Kind::kPut) {
          MDB_val v = as_val(operation.value);
          rc = mdb_put(txn, impl_->tables[operation.table], &k, &v, 0);
        } else {
          rc = mdb_del(txn, impl_->tables[operation.table], &k, nullptr);
          if (rc == MDB_NOTFOUND) rc = 0;  // erasing what is gone is done
        }
        if (rc != 0) break;
      }
      if (rc == 0) {
        rc = mdb_txn_commit(txn);
      } else {
        mdb_txn_abort(txn);
      }
    }
    if (rc == 0) return {};
    if (rc != MDB_MAP_FULL) return lmdb_error(rc, "cannot commit a write transaction");
    // Pages freed by the last commits are not reusable yet (LMDB keeps the
    // previous snapshot) and even an erase needs new pages (copy-on-write),
    // so the map itself may grow to twice the ceiling.
    VS_TRY_ASSIGN(bool over, over_ceiling());
    if (over || impl_->map_bytes >= 2 * ceiling) {
      return Error(ErrorCode::kNoSpace, "store is at its configured size ceiling", rc);
    }
    // Grow and retry: the batch was aborted whole, so nothing is half-applied.
    std::unique_lock resize(impl_->resize_lock);
    std::uint64_t grown = std::min(impl_->map_bytes * 2, 2 * ceiling);
    rc = mdb_env_set_mapsize(impl_->env, static_cast<std::size_t>(grown));
    if (rc != 0) return lmdb_error(rc, "cannot grow the map");
    impl_->map_bytes = grown;
  }
}

Status LmdbStore::sync() {
  if (impl_->options.read_only) return {};
  int rc = mdb_env_sync(impl_->env, 1);
  if (rc != 0) return lmdb_error(rc, "cannot sync the store to disk");
  return {};
}

Result<std::uint64_t> LmdbStore::erased_bytes(const WriteBatch& batch) const {
  std::uint64_t total = 0;
  VS_TRY_ASSIGN(MDB_txn * txn, impl_->begin_read());
  for (const auto& operation : batch.operations()) {
    if (operation.kind != WriteBatch::Kind::kErase) continue;
    MDB_val k = as_val(operation.key);
    MDB_val v;
    if (mdb_get(txn, impl_->tables[operation.table], &k, &v) == 0) total += k.mv_size + v.mv_size;
  }
  mdb_txn_abort(txn);
  return total;
}

Result<std::uint64_t> LmdbStore::live_bytes() const {
  VS_TRY_ASSIGN(MDB_txn * txn, impl_->begin_read());
  std::uint64_t pages = 0;
  std::uint64_t page_size = 0;
  MDB_stat stat;
  int rc = mdb_stat(txn, impl_->main_table, &stat);
  for (std::size_t i = 0; rc == 0; ++i) {
    pages += stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages;
    page_size = stat.ms_psize;
    if (i == impl_->tables.size()) break;
    rc = mdb_stat(txn, impl_->tables[i], &stat);
  }
  mdb_txn_abort(txn);
  if (rc != 0) return lmdb_error(rc, "cannot measure the store");
  return pages * page_size;
}

Result<StoreUsage> LmdbStore::usage() const {
  std::shared_lock lock(impl_->resize_lock);
  VS_TRY_ASSIGN(std::uint64_t live, live_bytes());
  StoreUsage usage{live, impl_->options.max_map_bytes, false};
  // The file grows into the filesystem's free space as pages are written;
  // a ceiling above what the disk has would only be met as ENOSPC halfway
  // through a commit. What the store can really hold is its file (its free
  // pages are reused) plus what the filesystem has left.
  std::error_code error;
  auto file_bytes = std::filesystem::file_size(impl_->options.directory / "data.mdb", error);
  if (error) return usage;
  VS_TRY_ASSIGN(std::uint64_t free_bytes,
                impl_->options.filesystem_free
                    ? impl_->options.filesystem_free(impl_->options.directory)
                    : filesystem_free_bytes(impl_->options.directory));
  if (file_bytes + free_bytes < usage.limit_bytes) {
    usage.limit_bytes = file_bytes + free_bytes;
    usage.filesystem_limited = true;
  }
  return usage;
}

namespace {

struct EnvCloser {
  MDB_env* env = nullptr;
  ~EnvCloser() {
    if (env != nullptr) mdb_env_close(env);
  }
};

// The pages a compacting copy writes: every table's, the table of tables
// and the two meta pages (free pages are left out).
Result<std::uint64_t> copied_bytes(MDB_env* env) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return lmdb_error(rc, "cannot begin a read transaction");
  auto pages = [](const MDB_stat& stat) {
    return (stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages) * stat.ms_psize;
  };
  MDB_dbi main_table = 0;
  MDB_stat stat{};
  MDB_cursor* cursor = nullptr;
  rc = mdb_dbi_open(txn, nullptr, 0, &main_table);
  if (rc == 0) rc = mdb_stat(txn, main_table, &stat);
  std::uint64_t bytes = 2ULL * stat.ms_psize + pages(stat);
  if (rc == 0) rc = mdb_cursor_open(txn, main_table, &cursor);
  MDB_val key{}, value{};
  for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
    rc = mdb_cursor_get(cursor, &key, &value, static_cast<MDB_cursor_op>(op));
    if (rc != 0) break;
    std::string name(static_cast<const char*>(key.mv_data), key.mv_size);
    MDB_dbi table = 0;
    if (mdb_dbi_open(txn, name.c_str(), 0, &table) == 0 && mdb_stat(txn, table, &stat) == 0)
      bytes += pages(stat);
  }
  if (cursor != nullptr) mdb_cursor_close(cursor);
  mdb_txn_abort(txn);
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_error(rc, "cannot list the store's tables");
  return bytes;
}

void sync_directory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::filesystem::path parent_or_here(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

}  // namespace

Status LmdbStore::copy_to_file(const std::filesystem::path& directory,
                               const std::filesystem::path& out_file,
                               const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::string where = directory.string();
  std::error_code error;
  if (!std::filesystem::is_regular_file(directory / "data.mdb", error))
    return Error(ErrorCode::kNotFound, "no store here (no data.mdb)").about(where);
  if (std::filesystem::exists(out_file, error))
    return Error(ErrorCode::kConflict, "the backup file exists already; choose a new name")
        .about(out_file.string());
  EnvCloser source;
  int rc = mdb_env_create(&source.env);
  if (rc != 0) return lmdb_error(rc, "cannot create an LMDB environment").about(where);
  mdb_env_set_maxdbs(source.env, 64);
  rc = mdb_env_open(source.env, where.c_str(), MDB_RDONLY | MDB_NOTLS, 0600);
  if (rc != 0) return lmdb_error(rc, "cannot open the LMDB store").about(where);
  VS_TRY_ASSIGN(std::uint64_t expected, copied_bytes(source.env));

  std::filesystem::path partial = out_file.string() + ".partial";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return Error(ErrorCode::kIo, "cannot create the backup file", errno).about(partial.string());
  std::atomic<bool> done = false;
  std::thread copier([&] {
    rc = mdb_env_copyfd2(source.env, fd, MDB_CP_COMPACT);
    done = true;
  });
  while (!done) {
    struct stat written {};
    if (progress && ::fstat(fd, &written) == 0)
      progress(static_cast<std::uint64_t>(written.st_size), expected);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  copier.join();
  int saved_errno = rc;
  bool ok = rc == 0;
  if (ok && ::fsync(fd) != 0) {
    ok = false;
    saved_errno = errno;
  }
  ::close(fd);
  if (!ok) {
    ::unlink(partial.c_str());
    return lmdb_error(saved_errno, "cannot copy the store")
        .about(where + " -> " + out_file.string());
  }
  if (::rename(partial.c_str(), out_file.c_str()) != 0) {
    saved_errno = errno;
    ::unlink(partial.c_str());
    return Error(ErrorCode::kIo, "cannot move the backup file into place", saved_errno)
        .about(out_file.string());
  }
  sync_directory(parent_or_here(out_file));
  if (progress) progress(std::filesystem::file_size(out_file, error), expected);
  return {};
}

Status LmdbStore::install_copy(const std::filesystem::path& copy_file,
                               const std::filesystem::path& directory) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(copy_file, error))
    return Error(ErrorCode::kNotFound, "no backup file here").about(copy_file.string());
  if (std::filesystem::exists(directory, error) && !std::filesystem::is_empty(directory, error))
    return Error(ErrorCode::kConflict,
                 "the store directory is not empty; restore into a new or empty one")
        .about(directory.string());
  std::filesystem::create_directories(directory, error);
  if (error)
    return Error(ErrorCode::kIo, "cannot create the store directory", error.value())
        .about(directory.string());
  std::filesystem::path partial = directory / "data.mdb.partial";
  std::filesystem::copy_file(copy_file, partial, std::filesystem::copy_options::overwrite_existing,
                             error);
  if (error)
    return Error(ErrorCode::kIo, "cannot copy the backup into the store directory", error.value())
        .about(partial.string());
  int fd = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
  bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced || ::rename(partial.c_str(), (directory / "data.mdb").c_str()) != 0) {
    int saved_errno = errno;
    ::unlink(partial.c_str());
    return Error(ErrorCode::kIo, "cannot put the copy in place", saved_errno)
        .about(directory.string());
  }
  sync_directory(directory);
  return {};
}

std::uint64_t LmdbStore::map_bytes() const {
  return impl_->map_bytes;
}
int LmdbStore::stale_readers_cleared() const {
  return impl_->stale_readers;
}

}  // namespace vs::platform
