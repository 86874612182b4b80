#include "vs/platform/file_key_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "vs/platform/mbedtls_signer.h"

namespace vs::platform {
namespace {

Status check_key_name(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return Error(ErrorCode::kInvalidArgument, "key name must be 1 to 64 characters");
  }
  for (char c : name) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.';
    if (!allowed || name[0] == '.') {
      return Error(ErrorCode::kInvalidArgument,
                   "key name may hold only letters, digits, '-', '_' and '.', not first");
    }
  }
  return {};
}

// Writes the whole file durably: temp file with the final mode, fsync,
// rename, fsync of the directory. A crash leaves the old state or the new.
Status write_file_atomically(const std::filesystem::path& path, const std::string& text,
                             mode_t mode) {
  std::string temp = path.string() + ".tmp";
  // A new file, with its final mode from the first instant; never through a
  // symlink someone placed at the temp name. A temp left by a crash (or
  // planted) is removed, not followed: unlink acts on the link itself.
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(temp.c_str(), kFlags, mode);
  if (fd < 0 && errno == EEXIST && ::unlink(temp.c_str()) == 0)
    fd = ::open(temp.c_str(), kFlags, mode);
  if (fd < 0) return Error(ErrorCode::kIo, "cannot create the key file", errno).about(temp);
  // umask may have cleared bits we want, never added ones we forbid.
  bool ok = ::fchmod(fd, mode) == 0;
  std::size_t written = 0;
  while (ok && written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int saved_errno = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    return Error(ErrorCode::kIo, "cannot write the key file", saved_errno).about(temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    saved_errno = errno;
    ::unlink(temp.c_str());
    return Error(ErrorCode::kIo, "cannot move the key file into place", saved_errno)
        .about(path.string());
  }
  int dir_fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

Result<std::string> read_private_key_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int saved_errno = errno;
    if (saved_errno == ENOENT) {
      return Error(ErrorCode::kNotFound, "no private key file", saved_errno).about(path.string());
    }
    return Error(ErrorCode::kIo, "cannot open the private key file", saved_errno)
        .about(path.string());
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error(ErrorCode::kIo, "private key is not a regular file").about(path.string());
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return Error(ErrorCode::kPermission,
                 "private key file is readable by group or others; run chmod 600 on it")
        .about(path.string());
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved_errno = errno;
      ::close(fd);
      return Error(ErrorCode::kIo, "cannot read the private key file", saved_errno)
          .about(path.string());
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > 64 * 1024) {
      ::close(fd);
      return Error(ErrorCode::kMalformed, "private key file is larger than 64 KiB")
          .about(path.string());
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

FileKeyStore::FileKeyStore(std::filesystem::path directory) : directory_(std::move(directory)) {}

std::filesystem::path FileKeyStore::private_key_path(std::string_view key_name) const {
  return directory_ / (std::string(key_name) + ".key.pem");
}

std::filesystem::path FileKeyStore::public_key_path(std::string_view key_name) const {
  return directory_ / (std::string(key_name) + ".pub.pem");
}

Result<std::unique_ptr<Signer>> FileKeyStore::create(std::string_view key_name) {
  VS_TRY(check_key_name(key_name));
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) {
    return Error(ErrorCode::kIo, "cannot create the key directory", error.value())
        .about(directory_.string());
  }
  auto path = private_key_path(key_name);
  if (std::filesystem::exists(path, error)) {
    return Error(ErrorCode::kConflict, "a key of this name exists; refusing to overwrite it")
        .about(path.string());
  }
  VS_TRY_ASSIGN(auto signer, MbedtlsSigner::generate());
  VS_TRY_ASSIGN(std::string private_pem, signer->private_key_pem());
  VS_TRY_ASSIGN(std::string public_pem, signer->public_key_pem());
  VS_TRY(write_file_atomically(path, private_pem, 0600));
  VS_TRY(write_file_atomically(public_key_path(key_name), public_pem, 0644));
  return std::unique_ptr<Signer>(std::move(signer));
}

Result<std::unique_ptr<Signer>> FileKeyStore::load(std::string_view key_name) {
  VS_TRY(check_key_name(key_name));
  auto path = private_key_path(key_name);
  VS_TRY_ASSIGN(std::string pem, read_private_key_file(path));
  auto signer = MbedtlsSigner::from_private_key(as_bytes(pem));
  if (!signer) return std::move(signer).error().about(path.string());
  return std::unique_ptr<Signer>(std::move(signer).value());
}

Result<Bytes> FileKeyStore::public_key(std::string_view key_name) {
  VS_TRY_ASSIGN(auto signer, load(key_name));
  ByteView key = signer->public_key();
  return Bytes(key.begin(), key.end());
}

Status write_key_text_file(const std::filesystem::path& path, const std::string& text,
                           bool secret) {
  return write_file_atomically(path, text, secret ? 0600 : 0644);
}

Result<std::string> read_secret_text_file(const std::filesystem::path& path) {
  return read_private_key_file(path);
}

}  // namespace vs::platform
