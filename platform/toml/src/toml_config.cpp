#include "vs/platform/toml_config.h"

#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace vs::platform {

struct TomlConfig::Impl {
  toml::table table;
  std::string source;

  toml::node_view<const toml::node> at(std::string_view key) const { return table.at_path(key); }
  Error wrong_type(std::string_view key, const char* expected) const {
    return Error(ErrorCode::kInvalidArgument, expected).about(where(key) + ": " + std::string(key));
  }
  std::string where(std::string_view key) const {
    auto node = at(key);
    if (!node || !node.node()->source().begin) return source;
    return source + ":" + std::to_string(node.node()->source().begin.line);
  }
};

TomlConfig::TomlConfig(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TomlConfig::TomlConfig(TomlConfig&&) noexcept = default;
TomlConfig& TomlConfig::operator=(TomlConfig&&) noexcept = default;
TomlConfig::~TomlConfig() = default;

Result<TomlConfig> TomlConfig::parse(std::string_view text, const std::string& source_name) {
  auto impl = std::make_unique<Impl>();
  // Debian's libtomlplusplus is built with exceptions: they stop here.
  try {
    impl->table = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    // toml++ describes the problem; the reason stays static, the text goes in the subject.
    return Error(ErrorCode::kInvalidArgument, "not valid TOML")
        .about(source_name + ":" + std::to_string(error.source().begin.line) + ": " +
               std::string(error.description()));
  }
  impl->source = source_name;
  return TomlConfig(std::move(impl));
}

Result<TomlConfig> TomlConfig::load(const std::filesystem::path& path) {
  constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
  std::error_code error;
  auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status))
    return Error(ErrorCode::kNotFound, "cannot read the config file").about(path.string());
  // A directory, a device (/dev/zero) or a pipe is no config file.
  if (!std::filesystem::is_regular_file(status))
    return Error(ErrorCode::kInvalidArgument, "is not a regular file").about(path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kPermission, "cannot read the config file").about(path.string());
  // Read one byte past the limit, never the whole of whatever it is.
  std::string text(kMaxConfigBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) {
    return Error(ErrorCode::kInvalidArgument, "config file is larger than 1 MiB")
        .about(path.string());
  }
  VS_TRY_ASSIGN(TomlConfig config, parse(text, path.string()));
  if (config.impl_->table.empty()) {
    return Error(ErrorCode::kInvalidArgument, "config file holds no settings (empty?)")
        .about(path.string());
  }
  return config;
}

Result<std::optional<std::string>> TomlConfig::string(std::string_view key) const {
  auto node = impl_->at(key);
  if (!node) return std::optional<std::string>();
  if (auto value = node.value<std::string>(); value && node.is_string())
    return std::optional<std::string>(*value);
  return impl_->wrong_type(key, "expected a string");
}

Result<std::optional<std::int64_t>> TomlConfig::integer(std::string_view key) const {
  auto node = impl_->at(key);
  if (!node) return std::optional<std::int64_t>();
  if (node.is_integer()) return std::optional<std::int64_t>(node.as_integer()->get());
  return impl_->wrong_type(key, "expected an integer");
}

Result<std::optional<double>> TomlConfig::number(std::string_view key) const {
  auto node = impl_->at(key);
  if (!node) return std::optional<double>();
  if (node.is_integer())
    return std::optional<double>(static_cast<double>(node.as_integer()->get()));
  if (node.is_floating_point()) {
    double value = node.as_floating_point()->get();
    if (!std::isfinite(value))
      return impl_->wrong_type(key, "expected a finite number (not nan or inf)");
    return std::optional<double>(value);
  }
  return impl_->wrong_type(key, "expected a number");
}

Result<std::optional<bool>> TomlConfig::boolean(std::string_view key) const {
  auto node = impl_->at(key);
  if (!node) return std::optional<bool>();
  if (node.is_boolean()) return std::optional<bool>(node.as_boolean()->get());
  return impl_->wrong_type(key, "expected true or false");
}

Result<std::optional<std::vector<std::string>>> TomlConfig::strings(std::string_view key) const {
  auto node = impl_->at(key);
  if (!node) return std::optional<std::vector<std::string>>();
  const toml::array* array = node.as_array();
  if (array == nullptr) return impl_->wrong_type(key, "expected an array of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    if (!item.is_string()) return impl_->wrong_type(key, "expected an array of strings");
    out.push_back(item.as_string()->get());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

std::size_t TomlConfig::array_size(std::string_view key) const {
  auto node = impl_->at(key);
  if (!node || !node.is_array()) return 0;
  return node.as_array()->size();
}

namespace {
void collect(const toml::node& node, const std::string& path, std::vector<std::string>& out) {
  if (const auto* table = node.as_table()) {
    for (const auto& [name, child] : *table) {
      collect(child, path.empty() ? std::string(name.str()) : path + "." + std::string(name.str()),
              out);
    }
  } else if (const auto* array = node.as_array();
             array && !array->empty() && array->front().is_table()) {  // NOLINT
    for (std::size_t i = 0; i < array->size(); ++i)
      collect(*array->get(i), path + "[" + std::to_string(i) + "]", out);
  } else {
    out.push_back(path);
  }
}
}  // namespace

std::vector<std::string> TomlConfig::leaf_keys() const {
  std::vector<std::string> keys;
  collect(impl_->table, "", keys);
  return keys;
}

std::string TomlConfig::where(std::string_view key) const {
  return impl_->where(key);
}

}  // namespace vs::platform
