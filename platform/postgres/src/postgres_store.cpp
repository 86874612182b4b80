#include "vs/platform/postgres_store.h"

#include "vs/platform/log.h"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace vs::platform {

namespace {

constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaArrayOid = 1001;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// Statement parameters, all sent in binary (bytea as is, int8 big-endian).
class Params {
 public:
  Params() = default;
  Params(Params&&) = default;  // moving keeps the integers where values_ points
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;

  Params& bytes(ByteView value) { return add(value, kByteaOid); }
  Params& text(std::string_view value) { return add(as_bytes(value), kTextOid); }
  Params& int8(std::uint64_t value) {
    std::array<std::uint8_t, 8>& slot = integers_.emplace_back();
    put_u64_be(value, slot.data());
    return add(ByteView(slot), kInt8Oid);
  }
  // A bytea[] in PostgreSQL's binary array format: dimensions, then each
  // element's length and bytes (big-endian integers).
  Params& bytea_array(const std::vector<ByteView>& items) {
    Bytes& out = arrays_.emplace_back();
    auto put_u32 = [&out](std::uint32_t value) {
      for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(value >> shift));
    };
    put_u32(1);          // one dimension
    put_u32(0);          // no NULLs
    put_u32(kByteaOid);  // of bytea
    put_u32(static_cast<std::uint32_t>(items.size()));
    put_u32(1);  // numbered from 1
    for (ByteView item : items) {
      put_u32(static_cast<std::uint32_t>(item.size()));
      out.insert(out.end(), item.begin(), item.end());
    }
    return add(ByteView(out), kByteaArrayOid);
  }
  int size() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& add(ByteView value, Oid type) {
    static const char kEmpty[1] = {0};  // a null pointer would be SQL NULL
    types_.push_back(type);
    values_.push_back(value.empty() ? kEmpty : reinterpret_cast<const char*>(value.data()));
    lengths_.push_back(static_cast<int>(value.size()));
    formats_.push_back(1);
    return *this;
  }
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::deque<std::array<std::uint8_t, 8>> integers_;  // stable addresses
  std::deque<Bytes> arrays_;                          // likewise
};

std::string trimmed(const char* text) {
  std::string out = text != nullptr ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// What a failed statement means to the caller: a lost race (begin again),
// a database that is away (retry later), a full disk, or a fault.
Error failure(PGconn* connection, const PGresult* result) {
  std::string message = result != nullptr ? trimmed(PQresultErrorMessage(result)) : "";
  if (message.empty()) message = trimmed(PQerrorMessage(connection));
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = state != nullptr ? state : "";
  if (PQstatus(connection) != CONNECTION_OK || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P")) {
    return Error(ErrorCode::kUnavailable, "the connection to PostgreSQL is lost").about(message);
  }
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "23505") {
    return Error(ErrorCode::kConflict,
                 "another writer's commit changed what this transaction read; begin again")
        .about(message);
  }
  if (sqlstate == "53100")
    return Error(ErrorCode::kNoSpace, "PostgreSQL's disk is full").about(message);
  return Error(ErrorCode::kInternal, "PostgreSQL refused a statement").about(message);
}

bool succeeded(const PGresult* result) {
  ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// One statement of a pipeline: prepared once per connection when `reused`.
struct Statement {
  const std::string* sql;
  bool reused;
  Params params;
};

class Connection {
 public:
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo) {
    PGconn* connection = PQconnectdb(conninfo.c_str());
    if (connection == nullptr)
      return Error(ErrorCode::kInternal, "libpq could not allocate a connection");
    auto opened = std::unique_ptr<Connection>(new Connection(connection));
    // PostgreSQL's notices ("already exists, skipping") are not for the
    // operator; its warnings go to our log.
    PQsetNoticeProcessor(
        connection,
        [](void*, const char* message) {
          if (std::string_view(message).starts_with("WARNING"))
            log(LogLevel::kWarning, "PostgreSQL: " + trimmed(message));
        },
        nullptr);
    if (PQstatus(connection) != CONNECTION_OK) {
      return Error(ErrorCode::kUnavailable, "cannot connect to PostgreSQL")
          .about(trimmed(PQerrorMessage(connection)));
    }
    return opened;
  }
  ~Connection() { PQfinish(connection_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement with no parameters (BEGIN, COMMIT, DDL).
  Status execute(const std::string& sql) {
    PgResult result(PQexec(connection_, sql.c_str()));
    if (!result || !succeeded(result.get())) return failure(connection_, result.get());
    return {};
  }

  // A statement prepared once on this connection, rows in binary.
  Result<PgResult> query(const std::string& sql, const Params& params) {
    VS_TRY_ASSIGN(const std::string* name, prepared(sql, params));
    PgResult result(PQexecPrepared(connection_, name->c_str(), params.size(), params.values(),
                                   params.lengths(), params.formats(), 1));
    if (!result || !succeeded(result.get())) return failure(connection_, result.get());
    return result;
  }

  // Sends every statement, then waits once (libpq's pipeline mode): a
  // commit of many writes costs one round trip. The first failure is
  // returned; the statements after it are not run.
  // With `results`, each statement's result is kept there, in order.
  Status pipeline(const std::vector<Statement>& statements,
                  std::vector<PgResult>* results = nullptr) {
    for (const Statement& statement : statements)
      if (statement.reused) VS_TRY(prepared(*statement.sql, statement.params));
    if (PQenterPipelineMode(connection_) != 1) return failure(connection_, nullptr);
    std::optional<Error> first;
    for (const Statement& statement : statements) {
      const Params& p = statement.params;
      int sent = statement.reused
                     ? PQsendQueryPrepared(connection_, statements_.at(*statement.sql).c_str(),
                                           p.size(), p.values(), p.lengths(), p.formats(), 1)
                     : PQsendQueryParams(connection_, statement.sql->c_str(), p.size(), p.types(),
                                         p.values(), p.lengths(), p.formats(), 1);
      if (sent != 1) {
        first = failure(connection_, nullptr);
        break;
      }
    }
    if (!first && PQpipelineSync(connection_) != 1) first = failure(connection_, nullptr);
    if (!first) first = collect(statements.size(), results);
    PQexitPipelineMode(connection_);
    if (first) return *std::move(first);
    return {};
  }

  // Lost, or left in pipeline mode by a send that failed half way: either
  // way not fit for the next caller.
  bool broken() const {
    return PQstatus(connection_) != CONNECTION_OK ||
           PQpipelineStatus(connection_) != PQ_PIPELINE_OFF;
  }
  bool in_transaction() const { return PQtransactionStatus(connection_) != PQTRANS_IDLE; }

 private:
  explicit Connection(PGconn* connection) : connection_(connection) {}

  // Reads each statement's result, then the pipeline's sync point; the
  // first failure, if any.
  std::optional<Error> collect(std::size_t statements, std::vector<PgResult>* results) {
    std::optional<Error> first;
    for (std::size_t i = 0; i < statements; ++i) {
      PgResult result(PQgetResult(connection_));
      if (!result) {  // the connection went away
        if (!first) first = failure(connection_, nullptr);
        return first;
      }
      if (PQresultStatus(result.get()) != PGRES_PIPELINE_ABORTED && !succeeded(result.get()) &&
          !first) {
        first = failure(connection_, result.get());
      }
      while (PgResult rest{PQgetResult(connection_)}) {
      }  // the end of this statement's results
      if (results != nullptr) results->push_back(std::move(result));
    }
    PgResult sync(PQgetResult(connection_));
    if (!first && (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC))
      first = failure(connection_, sync.get());
    return first;
  }

  Result<const std::string*> prepared(const std::string& sql, const Params& params) {
    auto found = statements_.find(sql);
    if (found != statements_.end()) return &found->second;
    std::string name = "vs" + std::to_string(statements_.size());
    PgResult result(
        PQprepare(connection_, name.c_str(), sql.c_str(), params.size(), params.types()));
    if (!result || !succeeded(result.get())) return failure(connection_, result.get());
    return &statements_.emplace(sql, std::move(name)).first->second;
  }

  PGconn* connection_;
  std::unordered_map<std::string, std::string> statements_;  // sql -> prepared name
};

std::string quoted(std::string_view identifier) {
  return "\"" + std::string(identifier) + "\"";
}

bool valid_identifier(std::string_view name) {
  if (name.empty() || name.size() > 63 || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Orders (table, key) pairs; keys as unsigned bytes.
struct KeyOrder {
  bool operator()(const std::pair<TableId, ByteView>& a,
                  const std::pair<TableId, ByteView>& b) const {
    if (a.first != b.first) return a.first < b.first;
    return std::lexicographical_compare(a.second.begin(), a.second.end(), b.second.begin(),
                                        b.second.end());
  }
};

struct TableSql {
  std::string qualified, get, scan, last, count;
  // Many keys in one statement each (bytea[] parameters).
  std::string get_any, put_all, erase_all;
};

Bytes column(const PGresult* result, int row, int index) {
  auto* data = reinterpret_cast<const std::uint8_t*>(PQgetvalue(result, row, index));
  return Bytes(data, data + PQgetlength(result, row, index));
}

Result<std::uint64_t> integer(const PGresult* result, int row, int index) {
  if (PQgetisnull(result, row, index) != 0 || PQgetlength(result, row, index) != 8)
    return Error(ErrorCode::kInternal, "PostgreSQL returned a count that is not an int8");
  return get_u64_be(reinterpret_cast<const std::uint8_t*>(PQgetvalue(result, row, index)));
}

}  // namespace

struct PostgresStore::Impl {
  PostgresStoreOptions options;
  std::vector<TableSql> tables;
  std::string usage_sql;
  std::mutex mutex;
  std::vector<std::unique_ptr<Connection>> idle;

  Result<const TableSql*> table(TableId id) const {
    if (id >= tables.size())
      return Error(ErrorCode::kInvalidArgument, "no such table in this store")
          .about(std::to_string(id));
    return &tables[id];
  }

  Result<std::unique_ptr<Connection>> acquire() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        auto connection = std::move(idle.back());
        idle.pop_back();
        return connection;
      }
    }
    return Connection::open(options.connection);
  }

  // A broken connection is dropped; one left inside a transaction is rolled
  // back first.
  void release(std::unique_ptr<Connection> connection) {
    if (!connection) return;
    if (!connection->broken() && connection->in_transaction())
      (void)connection->execute("ROLLBACK");
    if (connection->broken()) return;
    std::lock_guard lock(mutex);
    if (idle.size() < options.idle_connections) idle.push_back(std::move(connection));
  }
};

namespace {

// A connection taken from the pool, given back at scope end.
class Lease {
 public:
  explicit Lease(PostgresStore::Impl& pool) : pool_(pool) {}
  ~Lease() { pool_.release(std::move(connection_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  Result<Connection*> get() {
    if (!connection_) {
      VS_TRY_ASSIGN(connection_, pool_.acquire());
    }
    return connection_.get();
  }
  bool held() const { return connection_ != nullptr; }
  void give_back() { pool_.release(std::move(connection_)); }

 private:
  PostgresStore::Impl& pool_;
  std::unique_ptr<Connection> connection_;
};

// The reads every view shares, on one connection.
struct Reads {
  static Result<std::optional<Bytes>> get(Connection& connection, const TableSql& table,
                                          ByteView key) {
    VS_TRY_ASSIGN(PgResult result, connection.query(table.get, Params().bytes(key)));
    if (PQntuples(result.get()) == 0) return std::optional<Bytes>();
    return std::optional<Bytes>(column(result.get(), 0, 0));
  }
  static Result<std::vector<Record>> records(const PGresult* result) {
    std::vector<Record> out;
    int rows = PQntuples(result);
    out.reserve(static_cast<std::size_t>(rows));
    for (int row = 0; row < rows; ++row)
      out.push_back({column(result, row, 0), column(result, row, 1)});
    return out;
  }
  static Result<std::vector<Record>> scan(Connection& connection, const TableSql& table,
                                          ByteView from, std::size_t limit) {
    VS_TRY_ASSIGN(PgResult result, connection.query(table.scan, Params().bytes(from).int8(limit)));
    return records(result.get());
  }
  static Result<std::optional<Record>> last(Connection& connection, const TableSql& table) {
    VS_TRY_ASSIGN(PgResult result, connection.query(table.last, Params()));
    VS_TRY_ASSIGN(auto rows, records(result.get()));
    if (rows.empty()) return std::optional<Record>();
    return std::optional<Record>(std::move(rows.front()));
  }
  static Result<std::uint64_t> count(Connection& connection, const TableSql& table) {
    VS_TRY_ASSIGN(PgResult result, connection.query(table.count, Params()));
    return integer(result.get(), 0, 0);
  }
};

// Reads through `connection()`: a pooled one per call (the store: each call
// sees the latest commit) or one held in a transaction (a snapshot).
template <typename Base>
class ConnectionReads : public Base {
 public:
  Result<std::optional<Bytes>> get(TableId table, ByteView key) const override {
    return on(table, [&](Connection& c, const TableSql& t) { return Reads::get(c, t, key); });
  }
  Result<std::vector<Record>> scan(TableId table, ByteView from, std::size_t limit) const override {
    return on(table,
              [&](Connection& c, const TableSql& t) { return Reads::scan(c, t, from, limit); });
  }
  Result<std::optional<Record>> last(TableId table) const override {
    return on(table, [&](Connection& c, const TableSql& t) { return Reads::last(c, t); });
  }
  Result<std::uint64_t> count(TableId table) const override {
    return on(table, [&](Connection& c, const TableSql& t) { return Reads::count(c, t); });
  }
  bool reads_are_round_trips() const override { return true; }
  // One statement per table, all in one pipeline: one round trip.
  Result<std::vector<std::optional<Bytes>>> get_many(
      std::span<const TableKey> keys) const override {
    std::vector<std::optional<Bytes>> out(keys.size());
    if (keys.empty()) return out;
    std::map<TableId, std::vector<ByteView>> by_table;
    for (const TableKey& key : keys) by_table[key.table].push_back(key.key);
    std::vector<Statement> statements;
    for (const auto& [table, table_keys] : by_table) {
      VS_TRY_ASSIGN(const TableSql* sql, pool_.table(table));
      Params params;
      params.bytea_array(table_keys);
      statements.push_back({&sql->get_any, true, std::move(params)});
    }
    VS_TRY_ASSIGN(Connection * connection, this->connection());
    std::vector<PgResult> results;
    VS_TRY(connection->pipeline(statements, &results));
    std::map<std::pair<TableId, Bytes>, Bytes> found;
    std::size_t at = 0;
    for (const auto& entry : by_table) {
      const PGresult* result = results[at++].get();
      for (int row = 0; row < PQntuples(result); ++row)
        found.emplace(std::pair(entry.first, column(result, row, 0)), column(result, row, 1));
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto hit = found.find(std::pair(keys[i].table, keys[i].key));
      if (hit != found.end()) out[i] = hit->second;
    }
    return out;
  }

 protected:
  explicit ConnectionReads(PostgresStore::Impl& pool) : pool_(pool) {}
  // The connection this view reads on (opening its transaction if need be).
  virtual Result<Connection*> connection() const = 0;
  PostgresStore::Impl& pool_;

 private:
  template <typename Read>
  auto on(TableId table, Read&& read) const
      -> decltype(read(std::declval<Connection&>(), std::declval<const TableSql&>())) {
    VS_TRY_ASSIGN(const TableSql* sql, pool_.table(table));
    VS_TRY_ASSIGN(Connection * connection, this->connection());
    return read(*connection, *sql);
  }
};

// One connection inside one database transaction, opened by `begin_sql` at
// the first read; rolled back unless committed.
template <typename Base>
class TransactionReads : public ConnectionReads<Base> {
 protected:
  TransactionReads(PostgresStore::Impl& pool, std::string begin_sql)
      : ConnectionReads<Base>(pool), begin_sql_(std::move(begin_sql)), lease_(pool) {}

  Result<Connection*> connection() const override {
    if (lease_.held()) return lease_.get();
    VS_TRY_ASSIGN(Connection * connection, lease_.get());
    Status begun = connection->execute(begin_sql_);
    if (!begun) {
      lease_.give_back();
      return std::move(begun).error();
    }
    return connection;
  }
  bool begun() const { return lease_.held(); }
  Lease& lease() const { return lease_; }

 private:
  std::string begin_sql_;
  mutable Lease lease_;
};

constexpr const char* kSerializable = "BEGIN ISOLATION LEVEL SERIALIZABLE";

class PostgresSnapshot final : public TransactionReads<StoreReader> {
 public:
  explicit PostgresSnapshot(PostgresStore::Impl& pool)
      // PostgreSQL takes the snapshot at the first query, not at BEGIN.
      : TransactionReads(pool, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1") {}
  Status open() const {
    VS_TRY(connection());
    return {};
  }
};

const std::string kBegin = kSerializable;
const std::string kCommit = "COMMIT";
const std::string kDurable = "SET LOCAL synchronous_commit TO on";
// Survives the gateway's crash (PostgreSQL has it); the next durable commit
// flushes the log up to it.
const std::string kNotDurable = "SET LOCAL synchronous_commit TO off";

class PostgresTransaction final : public TransactionReads<StoreTransaction> {
 public:
  explicit PostgresTransaction(PostgresStore::Impl& pool) : TransactionReads(pool, kSerializable) {}

  Status commit(const WriteBatch& batch, bool durable) override {
    if (batch.empty() && !begun()) return {};
    std::vector<Statement> statements;
    statements.reserve(batch.operations().size() + 3);
    if (!begun()) statements.push_back({&kBegin, false, {}});
    statements.push_back({durable ? &kDurable : &kNotDurable, false, {}});
    // The last operation on each key is what lands: per table, one
    // statement for its puts and one for its erases.
    std::map<std::pair<TableId, ByteView>, const WriteBatch::Operation*, KeyOrder> last;
    for (const WriteBatch::Operation& operation : batch.operations())
      last.insert_or_assign(std::pair(operation.table, ByteView(operation.key)), &operation);
    struct Changes {
      std::vector<ByteView> put_keys, put_values, erase_keys;
    };
    std::map<TableId, Changes> by_table;
    for (const auto& [key, operation] : last) {
      Changes& changes = by_table[key.first];
      if (operation->kind == WriteBatch::Kind::kPut) {
        changes.put_keys.push_back(operation->key);
        changes.put_values.push_back(operation->value);
      } else {
        changes.erase_keys.push_back(operation->key);
      }
    }
    for (const auto& [table, changes] : by_table) {
      VS_TRY_ASSIGN(const TableSql* sql, pool_.table(table));
      if (!changes.put_keys.empty()) {
        Params params;
        params.bytea_array(changes.put_keys).bytea_array(changes.put_values);
        statements.push_back({&sql->put_all, true, std::move(params)});
      }
      if (!changes.erase_keys.empty()) {
        Params params;
        params.bytea_array(changes.erase_keys);
        statements.push_back({&sql->erase_all, true, std::move(params)});
      }
    }
    statements.push_back({&kCommit, false, {}});
    VS_TRY_ASSIGN(Connection * connection, lease().get());
    Status done = connection->pipeline(statements);
    lease().give_back();  // rolled back there if the pipeline stopped short
    return done;
  }
};

class PostgresStoreReads final : public ConnectionReads<StoreReader> {
 public:
  explicit PostgresStoreReads(PostgresStore::Impl& pool) : ConnectionReads(pool), lease_(pool) {}

 private:
  Result<Connection*> connection() const override { return lease_.get(); }
  mutable Lease lease_;
};

}  // namespace

PostgresStore::PostgresStore(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const PostgresStoreOptions& options) {
  if (!valid_identifier(options.schema)) {
    return Error(ErrorCode::kInvalidArgument,
                 "a PostgreSQL schema name must be lowercase letters, digits and '_' (at most "
                 "63, not starting with a digit)")
        .about(options.schema);
  }
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  for (const std::string& name : options.tables) {
    if (!valid_identifier(name))
      return Error(ErrorCode::kInvalidArgument, "bad table name").about(name);
    TableSql sql;
    sql.qualified = quoted(options.schema) + "." + quoted(name);
    sql.get = "SELECT value FROM " + sql.qualified + " WHERE key = $1";
    sql.scan = "SELECT key, value FROM " + sql.qualified + " WHERE key >= $1 ORDER BY key LIMIT $2";
    sql.last = "SELECT key, value FROM " + sql.qualified + " ORDER BY key DESC LIMIT 1";
    sql.count = "SELECT count(*) FROM " + sql.qualified;
    sql.get_any = "SELECT key, value FROM " + sql.qualified + " WHERE key = ANY($1)";
    sql.put_all = "INSERT INTO " + sql.qualified +
                  " (key, value) SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT (key) "
                  "DO UPDATE SET value = EXCLUDED.value";
    sql.erase_all = "DELETE FROM " + sql.qualified + " WHERE key = ANY($1)";
    impl->tables.push_back(std::move(sql));
  }
  impl->usage_sql =
      "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 FROM pg_class c JOIN "
      "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'";

  Lease lease(*impl);
  VS_TRY_ASSIGN(Connection * connection, lease.get());
  if (options.create) {
    // Several gateways may start at once: one creates, the others wait.
    std::string ddl = "BEGIN; SELECT pg_advisory_xact_lock(hashtext('" + options.schema +
                      "')); CREATE SCHEMA IF NOT EXISTS " + quoted(options.schema) + ";";
    for (const TableSql& sql : impl->tables)
      ddl += " CREATE TABLE IF NOT EXISTS " + sql.qualified +
             " (key bytea PRIMARY KEY, value bytea NOT NULL);";
    ddl += " COMMIT;";
    VS_TRY(connection->execute(ddl));
  } else {
    std::size_t present = 0;
    for (const std::string& name : options.tables) {
      VS_TRY_ASSIGN(PgResult found,
                    connection->query("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND "
                                      "tablename = $2",
                                      Params().text(options.schema).text(name)));
      VS_TRY_ASSIGN(std::uint64_t count, integer(found.get(), 0, 0));
      present += count;
    }
    if (present == 0)
      return Error(ErrorCode::kNotFound, "no store in this PostgreSQL schema")
          .about(options.schema);
    if (present != options.tables.size()) {
      return Error(ErrorCode::kConflict, "the PostgreSQL schema lacks some of the store's tables")
          .about(options.schema);
    }
  }
  lease.give_back();
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

Result<std::optional<Bytes>> PostgresStore::get(TableId table, ByteView key) const {
  return PostgresStoreReads(*impl_).get(table, key);
}
Result<std::vector<Record>> PostgresStore::scan(TableId table, ByteView from,
                                                std::size_t limit) const {
  return PostgresStoreReads(*impl_).scan(table, from, limit);
}
Result<std::optional<Record>> PostgresStore::last(TableId table) const {
  return PostgresStoreReads(*impl_).last(table);
}
Result<std::uint64_t> PostgresStore::count(TableId table) const {
  return PostgresStoreReads(*impl_).count(table);
}

Result<std::unique_ptr<StoreReader>> PostgresStore::snapshot() const {
  auto snapshot = std::make_unique<PostgresSnapshot>(*impl_);
  VS_TRY(snapshot->open());  // now, not at the first read: it shows the state as of this call
  return std::unique_ptr<StoreReader>(std::move(snapshot));
}

Result<std::unique_ptr<StoreTransaction>> PostgresStore::begin() {
  return std::unique_ptr<StoreTransaction>(std::make_unique<PostgresTransaction>(*impl_));
}

Status PostgresStore::commit(const WriteBatch& batch) {
  PostgresTransaction transaction(*impl_);
  return transaction.commit(batch, false);
}

// A durable commit flushes PostgreSQL's log up to it, and with it every
// earlier commit. It must write to the log (a transaction that only took an
// id commits without a flush): a logical message is a log record that
// changes no table.
Status PostgresStore::sync() {
  Lease lease(*impl_);
  VS_TRY_ASSIGN(Connection * connection, lease.get());
  return connection->execute(
      "BEGIN; SET LOCAL synchronous_commit TO on; SELECT pg_current_xact_id(); SELECT "
      "pg_logical_emit_message(false, 'vitalsign', 'sync'); COMMIT;");
}

Result<StoreUsage> PostgresStore::usage() const {
  Lease lease(*impl_);
  VS_TRY_ASSIGN(Connection * connection, lease.get());
  VS_TRY_ASSIGN(PgResult result,
                connection->query(impl_->usage_sql, Params().text(impl_->options.schema)));
  StoreUsage usage;
  VS_TRY_ASSIGN(usage.used_bytes, integer(result.get(), 0, 0));
  usage.limit_bytes = impl_->options.max_bytes;
  return usage;
}

}  // namespace vs::platform
