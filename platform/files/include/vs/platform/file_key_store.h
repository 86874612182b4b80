#pragma once

#include <filesystem>

#include "vs/platform/key_store.h"

namespace vs::platform {

// Keys as PEM files in one directory: <name>.key.pem (SEC1, mode 0600) and
// <name>.pub.pem (SubjectPublicKeyInfo, 0644). A private key file that group
// or others can read is refused: a copied key forges a device.
class FileKeyStore final : public KeyStore {
 public:
  explicit FileKeyStore(std::filesystem::path directory);

  Result<std::unique_ptr<Signer>> create(std::string_view key_name) override;
  Result<std::unique_ptr<Signer>> load(std::string_view key_name) override;
  Result<Bytes> public_key(std::string_view key_name) override;

  std::filesystem::path private_key_path(std::string_view key_name) const;
  std::filesystem::path public_key_path(std::string_view key_name) const;

 private:
  std::filesystem::path directory_;
};

// Other secrets kept as text the same way (a signed-note key): written
// whole with the given mode, or not at all; read only when group and others
// cannot.
Status write_key_text_file(const std::filesystem::path& path, const std::string& text, bool secret);
Result<std::string> read_secret_text_file(const std::filesystem::path& path);

}  // namespace vs::platform
