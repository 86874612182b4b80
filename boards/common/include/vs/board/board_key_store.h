#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "vs/platform/key_store.h"
#include "vs/platform/toml_config.h"

namespace vs::board {

// A board's key store, from its table in the agent's config:
//   <board>.key_store        "file" (default) or "pkcs11"
//   <board>.key_dir          file: directory of the key files (default "keys")
//   <board>.pkcs11_module    pkcs11: the token's PKCS#11 library
//   <board>.pkcs11_token     pkcs11: the token's label
//   <board>.pkcs11_pin_file  pkcs11: a file holding the user PIN, mode 0600
Result<std::unique_ptr<platform::KeyStore>> board_key_store(const platform::TomlConfig& config,
                                                            const std::string& board);

// Every key under [<board>] must be one of `own_keys` or a key store key
// above: a typo ("sped = 50") is an error naming the file, line and key.
Status reject_unknown_board_keys(const platform::TomlConfig& config, const std::string& board,
                                 std::initializer_list<std::string_view> own_keys);

// The PIN in `path` (one line); kPermission when group or others may read it.
Result<std::string> read_pin_file(const std::string& path);

}  // namespace vs::board
