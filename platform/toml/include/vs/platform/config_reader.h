#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vs/platform/toml_config.h"

namespace vs::platform {

// Typed reads of a daemon's TOML file with range checks; every error names
// the file, line, key, value and reason. Absent keys keep their defaults.
class ConfigReader {
 public:
  explicit ConfigReader(const TomlConfig& config) : config_(config) {}

  Error bad(std::string_view key, const std::string& value, const char* reason) const {
    return Error(ErrorCode::kInvalidArgument, reason)
        .about(config_.where(key) + ": " + std::string(key) + " = " + value);
  }

  // Unknown keys are errors (a typo must not pass silently); keys under one
  // of `open_tables` (a board's own table) are checked by their reader.
  Status reject_unknown(std::span<const char* const> known,
                        std::span<const std::string> open_tables = {}) const {
    for (const std::string& key : config_.leaf_keys()) {
      bool is_known = std::find(known.begin(), known.end(), key) != known.end();
      for (const std::string& table : open_tables)
        is_known = is_known || key.rfind(table + ".", 0) == 0;
      if (!is_known) {
        return Error(ErrorCode::kInvalidArgument, "unknown key (a typo?)")
            .about(config_.where(key) + ": " + key);
      }
    }
    return {};
  }

  // An integer in [low, high].
  template <typename T>
  Status integer(std::string_view key, std::int64_t low, std::int64_t high, const char* reason,
                 T& out) const {
    VS_TRY_ASSIGN(auto value, config_.integer(key));
    if (!value) return {};
    if (*value < low || *value > high) return bad(key, std::to_string(*value), reason);
    out = static_cast<T>(*value);
    return {};
  }
  template <typename Rep, typename Period>
  Status duration(std::string_view key, std::int64_t low, std::int64_t high, const char* reason,
                  std::chrono::duration<Rep, Period>& out) const {
    std::int64_t count = out.count();
    VS_TRY(integer(key, low, high, reason, count));
    out = std::chrono::duration<Rep, Period>(count);
    return {};
  }
  Status text(std::string_view key, std::string& out) const {
    VS_TRY_ASSIGN(auto value, config_.string(key));
    if (value) out = *value;
    return {};
  }
  // One of `choices`.
  Status choice(std::string_view key, std::initializer_list<std::string_view> choices,
                const char* reason, std::string& out) const {
    std::string value = out;
    VS_TRY(text(key, value));
    if (std::find(choices.begin(), choices.end(), value) == choices.end())
      return bad(key, "\"" + value + "\"", reason);
    out = value;
    return {};
  }
  Status flag(std::string_view key, bool& out) const {
    VS_TRY_ASSIGN(auto value, config_.boolean(key));
    if (value) out = *value;
    return {};
  }
  // An MQTT broker URI (tcp:// or ssl://), or empty.
  Status broker(std::string_view key, std::string& out) const {
    VS_TRY(text(key, out));
    if (!out.empty() && out.rfind("tcp://", 0) != 0 && out.rfind("ssl://", 0) != 0)
      return bad(key, "\"" + out + "\"", "must start with tcp:// or ssl://");
    return {};
  }
  // One MQTT broker URI or a list of them, all tcp:// or all ssl://; the
  // first in `out`, the others in `more`.
  Status brokers(std::string_view key, std::string& out, std::vector<std::string>& more) const {
    auto list = config_.strings(key);
    if (!list) {  // not a list: one broker, or a wrong type
      VS_TRY(broker(key, out));
      more.clear();
      return {};
    }
    if (!*list) return {};
    if (list->value().empty()) return bad(key, "[]", "must name at least one broker");
    std::string scheme;
    for (const std::string& uri : list->value()) {
      std::string one = uri;
      if (one.rfind("tcp://", 0) != 0 && one.rfind("ssl://", 0) != 0)
        return bad(key, "\"" + one + "\"", "must start with tcp:// or ssl://");
      if (!scheme.empty() && one.substr(0, 6) != scheme)
        return bad(key, "\"" + one + "\"", "brokers must be all tcp:// or all ssl://");
      scheme = one.substr(0, 6);
    }
    out = list->value().front();
    more.assign(list->value().begin() + 1, list->value().end());
    return {};
  }
  // An MQTT topic prefix: non-empty, no wildcards.
  Status topic_prefix(std::string_view key, std::string& out) const {
    VS_TRY(text(key, out));
    if (out.empty() || out.find_first_of("#+") != std::string::npos)
      return bad(key, "\"" + out + "\"", "must be non-empty, without # or +");
    return {};
  }

 private:
  const TomlConfig& config_;
};

}  // namespace vs::platform
