#include "vs/board/board_key_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>

#include "vs/platform/file_key_store.h"
#include "vs/platform/pkcs11_key_store.h"

namespace vs::board {

Status reject_unknown_board_keys(const platform::TomlConfig& config, const std::string& board,
                                 std::initializer_list<std::string_view> own_keys) {
  static constexpr std::string_view kKeyStoreKeys[] = {"key_store", "key_dir", "pkcs11_module",
                                                       "pkcs11_token", "pkcs11_pin_file"};
  std::string prefix = board + ".";
  for (const std::string& key : config.leaf_keys()) {
    if (key.rfind(prefix, 0) != 0) continue;
    std::string_view name = std::string_view(key).substr(prefix.size());
    bool known = std::find(own_keys.begin(), own_keys.end(), name) != own_keys.end() ||
                 std::find(std::begin(kKeyStoreKeys), std::end(kKeyStoreKeys), name) !=
                     std::end(kKeyStoreKeys);
    if (!known) {
      return Error(ErrorCode::kInvalidArgument, "unknown key (a typo?)")
          .about(config.where(key) + ": " + key);
    }
  }
  return {};
}

Result<std::string> read_pin_file(const std::string& path) {
  // One descriptor for the checks and the read: the file checked is the file
  // read (no stat-then-open race), and a symlink is not followed.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) {
    int error = errno;
    return Error(error == ENOENT ? ErrorCode::kNotFound : ErrorCode::kPermission,
                 "cannot open the PIN file (a symlink is refused)", error)
        .about(path);
  }
  struct stat status {};
  Status checked;
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    checked = Error(ErrorCode::kInvalidArgument, "the PIN file is not a regular file").about(path);
  } else if ((status.st_mode & 077) != 0) {
    checked =
        Error(ErrorCode::kPermission, "the PIN file is readable by others (chmod 600)").about(path);
  }
  std::string text;
  if (checked) {
    text.resize(256);
    ssize_t got = ::read(fd, text.data(), text.size());
    text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  }
  ::close(fd);
  if (!checked) return std::move(checked).error();
  std::string pin = text.substr(0, text.find_first_of("\r\n"));
  wipe(text);
  if (pin.empty()) return Error(ErrorCode::kInvalidArgument, "the PIN file is empty").about(path);
  return pin;
}

Result<std::unique_ptr<platform::KeyStore>> board_key_store(const platform::TomlConfig& config,
                                                            const std::string& board) {
  auto key = [&](const char* name) { return board + "." + name; };
  VS_TRY_ASSIGN(auto kind, config.string(key("key_store")));
  if (!kind || *kind == "file") {
    VS_TRY_ASSIGN(auto key_dir, config.string(key("key_dir")));
    return std::unique_ptr<platform::KeyStore>(
        std::make_unique<platform::FileKeyStore>(key_dir.value_or("keys")));
  }
  if (*kind != "pkcs11")
    return Error(ErrorCode::kInvalidArgument, "must be \"file\" or \"pkcs11\"")
        .about(config.where(key("key_store")) + ": " + key("key_store") + " = \"" + *kind + "\"");
  platform::Pkcs11Options options;
  for (const char* name : {"pkcs11_module", "pkcs11_token", "pkcs11_pin_file"}) {
    VS_TRY_ASSIGN(auto value, config.string(key(name)));
    if (!value || value->empty())
      return Error(ErrorCode::kInvalidArgument, "is needed with key_store = \"pkcs11\"")
          .about(key(name));
    if (std::string_view(name) == "pkcs11_module") options.module = *value;
    if (std::string_view(name) == "pkcs11_token") options.token_label = *value;
    if (std::string_view(name) == "pkcs11_pin_file") {
      auto pin = read_pin_file(*value);
      if (!pin) return std::move(pin).error().about(key(name));
      options.pin = *pin;
      wipe(*pin);
    }
  }
  auto store = platform::Pkcs11KeyStore::open(options);
  wipe(options.pin);  // the token holds the login; the PIN is not needed again
  if (!store) return std::move(store).error();
  return std::unique_ptr<platform::KeyStore>(std::move(store).value());
}

}  // namespace vs::board
