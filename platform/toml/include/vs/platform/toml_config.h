#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vs/platform/result.h"

namespace vs::platform {

// A TOML configuration file (toml++), read through typed getters whose
// errors name the file, line, key and what was wrong. Keys are paths:
// "seal.max_entries", "phase[1].heart_rate".
class TomlConfig {
 public:
  static Result<TomlConfig> parse(std::string_view text, const std::string& source_name);
  static Result<TomlConfig> load(const std::filesystem::path& path);

  TomlConfig(TomlConfig&&) noexcept;
  TomlConfig& operator=(TomlConfig&&) noexcept;
  ~TomlConfig();

  // nullopt when the key is absent; kInvalidArgument when it has another type.
  Result<std::optional<std::string>> string(std::string_view key) const;
  Result<std::optional<std::int64_t>> integer(std::string_view key) const;
  Result<std::optional<double>> number(std::string_view key) const;  // integer or float
  Result<std::optional<bool>> boolean(std::string_view key) const;
  Result<std::optional<std::vector<std::string>>> strings(std::string_view key) const;
  // Length of an array (of tables or values); 0 when absent.
  std::size_t array_size(std::string_view key) const;
  // Every leaf key, for reporting keys nobody reads (typos).
  std::vector<std::string> leaf_keys() const;
  // "agent.toml:12" for the key, or the file name when it is absent.
  std::string where(std::string_view key) const;

 private:
  struct Impl;
  explicit TomlConfig(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs::platform
