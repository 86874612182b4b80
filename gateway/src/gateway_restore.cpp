#include "vs/gateway/gateway_restore.h"

#include <fstream>
#include <sstream>

#include "vs/gateway/access_log.h"
#include "vs/gateway/gateway_key_ring.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/gateway/log_key_file.h"
#include "vs/platform/clock.h"
#include "vs/platform/cryptopp_keccak256.h"
#include "vs/platform/curl_evm_rpc.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/secp256k1_key.h"

namespace vs::gateway {
namespace {

// Local ledger: the copy's log must hold the last published checkpoint.
Result<std::string> check_against_checkpoint(const GatewayConfig& config, GatewayState& state,
                                             const platform::Sha256& sha) {
  std::error_code error;
  if (config.checkpoint_file.empty() || !std::filesystem::exists(config.checkpoint_file, error))
    return std::string(
        "local ledger; no published checkpoint (ledger.checkpoint_file) to compare the log with");
  std::ifstream in(config.checkpoint_file);
  std::stringstream text;
  text << in.rdbuf();
  std::string where = config.checkpoint_file.string();
  platform::OpensslEd25519 ed25519;
  VS_TRY_ASSIGN(chain::NoteSignerKey log_key,
                LogKeyFile::load(config.log_key_path(), config.ledger_origin, sha, ed25519));
  auto checkpoint = chain::LogCheckpoint::verify(text.str(), ed25519, log_key.verifier);
  if (!checkpoint) return std::move(checkpoint).error().about(where);
  VS_TRY_ASSIGN(std::uint64_t size, state.ledger_size());
  if (size < checkpoint->size)
    return Error(ErrorCode::kConflict,
                 "the copy's log is shorter than the last published checkpoint: the entries "
                 "after it are lost, and a gateway on this copy would fork the log that "
                 "checkpoint holders keep; restore a copy taken after that checkpoint")
        .about(where + ": the checkpoint has " + std::to_string(checkpoint->size) +
               " entries, the copy " + std::to_string(size));
  VS_TRY_ASSIGN(Digest root, LocalLedger::root(state, sha, checkpoint->size));
  if (root != checkpoint->root)
    return Error(ErrorCode::kIntegrity,
                 "the copy's log does not extend the last published checkpoint (another history)")
        .about(where);
  return "local ledger; the log holds the last published checkpoint (" +
         std::to_string(checkpoint->size) + " entries of " + std::to_string(size) + ")";
}

// EVM: every batch anchored after the copy took a transaction of the
// gateway's account, which the copy does not record. The account's count
// of transactions, less the anchors the copy records, bounds them.
Result<std::uint64_t> evm_batch_id_floor(const GatewayConfig& config, GatewayState& state,
                                         std::string& said) {
  VS_TRY_ASSIGN(auto rpc, platform::CurlEvmRpc::open(config.evm_url, config.evm_rpc_timeout));
  platform::EvmAddress account = config.evm.from;
  if (config.evm.mode == EvmLedgerOptions::Mode::kRaw) {
    platform::CryptoppKeccak256 keccak;
    auto key = platform::Secp256k1Key::load(config.evm_key_file, keccak);
    if (!key) return std::move(key).error().about("ledger.evm.key_file");
    account = (*key)->address();
  }
  auto sent = rpc->pending_nonce(account);
  if (!sent) return std::move(sent).error().about("ledger.evm.url " + config.evm_url);
  std::uint64_t recorded = 0;
  VS_TRY_ASSIGN(std::uint64_t next, state.next_batch_id());
  constexpr std::size_t kPage = 1024;
  for (std::uint64_t from = 0;;) {
    VS_TRY_ASSIGN(auto anchors, state.anchors(from, kPage));
    for (const AnchorRecord& anchor : anchors)
      if (anchor.ledger.kind == proto::LedgerKind::kEvm) ++recorded;
    if (anchors.size() < kPage) break;
    from = anchors.back().batch_id + 1;
  }
  std::uint64_t after = *sent > recorded ? *sent - recorded : 0;
  said = "EVM ledger; account " + platform::to_string(account) + " has sent " +
         std::to_string(*sent) + " transactions, the copy records " + std::to_string(recorded) +
         " anchors: batch ids move past the " + std::to_string(after) +
         " that may have been anchored since";
  return next + after;
}

}  // namespace

Result<GatewayRestore> GatewayRestore::run(
    const GatewayConfig& config, const std::filesystem::path& copy_file,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  if (config.store_backend == "postgres")
    return Error(ErrorCode::kUnsupported,
                 "a cluster's PostgreSQL state is backed up and restored with PostgreSQL's own "
                 "tools (pg_dump --format=custom --schema=SCHEMA, pg_restore); vitalsign restore "
                 "installs copies of an LMDB store")
        .about("store.backend");
  std::filesystem::path target = config.data_dir;
  std::error_code error;
  if (std::filesystem::exists(target, error) && !std::filesystem::is_empty(target, error))
    return Error(ErrorCode::kConflict,
                 "store.data_dir is not empty; restore into a new or empty directory")
        .about(target.string());
  platform::FileKeyStore keys(config.key_dir);
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  platform::SystemClock clock;
  // Receipts signed before a rotation verify with the keys valid then.
  VS_TRY_ASSIGN(auto key_ring, GatewayKeyRing::open(config, keys, sha, verifiers, clock.wall_ms()));

  std::filesystem::path staging = target.string() + ".restoring";
  std::filesystem::remove_all(staging, error);  // a restore that stopped half-way
  VS_TRY(platform::LmdbStore::install_copy(copy_file, staging));
  GatewayRestore restore;
  auto checked = [&]() -> Status {
    GatewayStoreOptions options;
    options.location = staging.string();
    options.access = StoreAccess::kWrite;
    options.max_bytes = config.store_max_bytes;
    VS_TRY_ASSIGN(auto state, open_gateway_store(options));
    VS_TRY_ASSIGN(restore.audit,
                  GatewayStateAudit::run(*state, sha, verifiers, key_ring->trusted(), progress));
    if (restore.audit.failure)
      return Error(ErrorCode::kIntegrity, "the copy does not verify")
          .about(restore.audit.failure->message());
    std::uint64_t floor = 0;
    if (config.ledger_kind == "evm") {
      VS_TRY_ASSIGN(floor, evm_batch_id_floor(config, *state, restore.ledger_check));
    } else {
      VS_TRY_ASSIGN(restore.ledger_check, check_against_checkpoint(config, *state, sha));
    }
    VS_TRY_ASSIGN(restore.rewind, StateRewind::run(*state, sha, AccessLog::log_device(), floor));
    return {};
  }();
  if (!checked) {
    std::filesystem::remove_all(staging, error);
    return std::move(checked).error().about(copy_file.string());
  }
  std::filesystem::remove(target, error);  // empty, if there
  std::filesystem::rename(staging, target, error);
  if (error)
    return Error(ErrorCode::kIo, "cannot move the restored store into place", error.value())
        .about(staging.string() + " -> " + target.string());
  return restore;
}

}  // namespace vs::gateway
