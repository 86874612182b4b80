#include "vs/agent/agent_config.h"

#include "vs/proto/vital_kinds.h"

#include <algorithm>
#include <map>

namespace vs::agent {
namespace {

const char* const kKnownKeys[] = {"board",
                                  "keys.name",
                                  "store.data_dir",
                                  "store.max_mb",
                                  "store.durability",
                                  "store.group_commit_window_ms",
                                  "seal.max_entries",
                                  "seal.max_age_ms",
                                  "seal.on_alarm",
                                  "signing.per_entry",
                                  "signing.unsigned_kinds",
                                  "mqtt.broker",
                                  "mqtt.topic_prefix",
                                  "mqtt.ca_file",
                                  "mqtt.cert_file",
                                  "mqtt.key_file",
                                  "mqtt.in_flight",
                                  "mqtt.keep_alive_s",
                                  "uplink.live",
                                  "uplink.status_interval_ms",
                                  "gateway.public_key"};

class Reader {
 public:
  explicit Reader(const platform::TomlConfig& config) : config_(config) {}

  Error bad(std::string_view key, const std::string& value, const char* reason) const {
    return Error(ErrorCode::kInvalidArgument, reason)
        .about(config_.where(key) + ": " + std::string(key) + " = " + value);
  }

  // An integer in [low, high], or the default when absent.
  template <typename T>
  Status integer(std::string_view key, std::int64_t low, std::int64_t high, const char* reason,
                 T& out) const {
    VS_TRY_ASSIGN(auto value, config_.integer(key));
    if (!value) return {};
    if (*value < low || *value > high) return bad(key, std::to_string(*value), reason);
    out = static_cast<T>(*value);
    return {};
  }
  Status text(std::string_view key, std::string& out) const {
    VS_TRY_ASSIGN(auto value, config_.string(key));
    if (value) out = *value;
    return {};
  }
  Status flag(std::string_view key, bool& out) const {
    VS_TRY_ASSIGN(auto value, config_.boolean(key));
    if (value) out = *value;
    return {};
  }

 private:
  const platform::TomlConfig& config_;
};

}  // namespace

Result<AgentConfig> AgentConfig::from_toml(const platform::TomlConfig& config) {
  AgentConfig out;
  Reader read(config);
  VS_TRY(read.text("board", out.board));
  if (out.board.empty()) return read.bad("board", "\"\"", "must name a board");
  for (const std::string& key : config.leaf_keys()) {
    bool known =
        std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) != std::end(kKnownKeys);
    bool board_key = key.rfind(out.board + ".", 0) == 0;
    if (!known && !board_key) {
      return Error(ErrorCode::kInvalidArgument, "unknown key (a typo?)")
          .about(config.where(key) + ": " + key);
    }
  }
  VS_TRY(read.text("keys.name", out.key_name));
  std::string data_dir = out.data_dir.string();
  VS_TRY(read.text("store.data_dir", data_dir));
  if (data_dir.empty()) return read.bad("store.data_dir", "\"\"", "must name a directory");
  out.data_dir = data_dir;
  std::uint64_t max_mb = out.store_max_bytes >> 20;
  VS_TRY(read.integer("store.max_mb", 1, 1 << 20, "must be 1 to 1048576 (MiB)", max_mb));
  out.store_max_bytes = max_mb << 20;
  std::string durability = "every_commit";
  VS_TRY(read.text("store.durability", durability));
  if (durability != "every_commit" && durability != "group") {
    return read.bad("store.durability", "\"" + durability + "\"",
                    "must be \"every_commit\" or \"group\"");
  }
  out.group_commit = durability == "group";
  std::int64_t window_ms = out.group_commit_window.count();
  VS_TRY(read.integer("store.group_commit_window_ms", 1, 1000, "must be 1 to 1000 ms", window_ms));
  out.group_commit_window = std::chrono::milliseconds(window_ms);

  VS_TRY(read.integer("seal.max_entries", 1, 4096, "must be 1 to 4096 entries per block",
                      out.seal_max_entries));
  std::int64_t age_ms = out.seal_max_age.count();
  VS_TRY(read.integer("seal.max_age_ms", 10, 86'400'000, "must be 10 ms to one day", age_ms));
  out.seal_max_age = std::chrono::milliseconds(age_ms);
  VS_TRY(read.flag("seal.on_alarm", out.seal_on_alarm));

  VS_TRY(read.flag("signing.per_entry", out.sign_entries));
  VS_TRY_ASSIGN(auto unsigned_kinds, config.strings("signing.unsigned_kinds"));
  for (const std::string& name : unsigned_kinds.value_or(std::vector<std::string>{})) {
    auto kind = proto::vital_kind_from_name(name);
    if (!kind) {
      return read.bad("signing.unsigned_kinds", "\"" + name + "\"",
                      "is not a vital kind (heart_rate, spo2, bp_systolic, bp_diastolic, "
                      "body_temperature, respiratory_rate, ecg, ppg)");
    }
    out.unsigned_kinds.insert(*kind);
  }

  VS_TRY(read.text("mqtt.broker", out.broker));
  if (!out.broker.empty() && out.broker.rfind("tcp://", 0) != 0 &&
      out.broker.rfind("ssl://", 0) != 0) {
    return read.bad("mqtt.broker", "\"" + out.broker + "\"", "must start with tcp:// or ssl://");
  }
  VS_TRY(read.text("mqtt.topic_prefix", out.topic_prefix));
  if (out.topic_prefix.empty() || out.topic_prefix.find_first_of("#+") != std::string::npos) {
    return read.bad("mqtt.topic_prefix", "\"" + out.topic_prefix + "\"",
                    "must be non-empty, without # or +");
  }
  VS_TRY(read.text("mqtt.ca_file", out.tls_ca_file));
  VS_TRY(read.text("mqtt.cert_file", out.tls_cert_file));
  VS_TRY(read.text("mqtt.key_file", out.tls_key_file));
  if (out.broker.rfind("ssl://", 0) == 0 && out.tls_ca_file.empty()) {
    return read.bad("mqtt.ca_file", "(absent)", "is needed with an ssl:// broker");
  }
  VS_TRY(read.integer("mqtt.in_flight", 1, 1000, "must be 1 to 1000 blocks", out.in_flight_window));
  std::int64_t keep_alive = out.keep_alive.count();
  VS_TRY(read.integer("mqtt.keep_alive_s", 2, 3600, "must be 2 to 3600 s", keep_alive));
  out.keep_alive = std::chrono::seconds(keep_alive);

  VS_TRY(read.flag("uplink.live", out.live));
  std::int64_t status_ms = out.status_interval.count();
  VS_TRY(read.integer("uplink.status_interval_ms", 100, 3'600'000, "must be 100 ms to one hour",
                      status_ms));
  out.status_interval = std::chrono::milliseconds(status_ms);
  std::string gateway_key;
  VS_TRY(read.text("gateway.public_key", gateway_key));
  out.gateway_public_key = gateway_key;
  return out;
}

}  // namespace vs::agent
