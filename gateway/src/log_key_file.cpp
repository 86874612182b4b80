#include "vs/gateway/log_key_file.h"

#include <unistd.h>

#include <cerrno>

#include "vs/platform/file_key_store.h"

namespace vs::gateway {

Result<chain::NoteSignerKey> LogKeyFile::load(const std::filesystem::path& path,
                                              const std::string& origin,
                                              const platform::Sha256& sha,
                                              const platform::Ed25519& ed25519) {
  VS_TRY_ASSIGN(std::string text, platform::read_secret_text_file(path));
  auto key = chain::NoteSignerKey::parse(sha, ed25519, text);
  if (!key) return std::move(key).error().about(path.string());
  if (key->name != origin || key->type != chain::NoteKeyType::kEd25519)
    return Error(ErrorCode::kConflict,
                 "the log key is of another log: its name is not ledger.origin")
        .about(path.string() + ": " + key->name + ", ledger.origin " + origin);
  return key;
}

Result<LogKeyFile> LogKeyFile::load_or_create(const std::filesystem::path& path,
                                              const std::string& origin,
                                              const platform::Sha256& sha,
                                              const platform::Ed25519& ed25519,
                                              platform::Random& random) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    VS_TRY_ASSIGN(chain::NoteSignerKey key, load(path, origin, sha, ed25519));
    return LogKeyFile{std::move(key), false};
  }
  Bytes seed(32);
  random.fill(seed);
  VS_TRY_ASSIGN(
      chain::NoteSignerKey key,
      chain::NoteSignerKey::make(sha, ed25519, origin, chain::NoteKeyType::kEd25519, seed));
  std::filesystem::create_directories(path.parent_path(), error);
  // Written aside, then linked into place, which fails if another gateway
  // sharing keys.dir made one meanwhile: then that one is the log's key.
  std::filesystem::path aside = path.string() + ".new." + std::to_string(::getpid());
  VS_TRY(platform::write_key_text_file(aside, key.text() + "\n", true));
  int linked = ::link(aside.c_str(), path.c_str());
  int link_errno = errno;
  std::filesystem::remove(aside, error);
  if (linked != 0 && link_errno == EEXIST) {
    VS_TRY_ASSIGN(chain::NoteSignerKey theirs, load(path, origin, sha, ed25519));
    return LogKeyFile{std::move(theirs), false};
  }
  if (linked != 0)
    return Error(ErrorCode::kIo, "cannot put the new log key in place", link_errno)
        .about(path.string());
  VS_TRY(platform::write_key_text_file(std::filesystem::path(path).replace_extension(".vkey"),
                                       key.verifier.text() + "\n", false));
  return LogKeyFile{std::move(key), true};
}

}  // namespace vs::gateway
