#include "vs/agent/agent_config.h"

#include "vs/platform/config_reader.h"
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
                                  "uplink.receipt_timeout_ms",
                                  "resend.max_age_ms",
                                  "resend.max_blocks",
                                  "gateway.public_key",
                                  "gateway.trusted_keys",
                                  "events.inbox_dir"};

}  // namespace

Result<AgentConfig> AgentConfig::from_toml(const platform::TomlConfig& config) {
  AgentConfig out;
  platform::ConfigReader read(config);
  VS_TRY(read.text("board", out.board));
  if (out.board.empty()) return read.bad("board", "\"\"", "must name a board");
  VS_TRY(read.reject_unknown(kKnownKeys, std::span<const std::string>(&out.board, 1)));
  VS_TRY(read.text("keys.name", out.key_name));
  std::string data_dir = out.data_dir.string();
  VS_TRY(read.text("store.data_dir", data_dir));
  if (data_dir.empty()) return read.bad("store.data_dir", "\"\"", "must name a directory");
  out.data_dir = data_dir;
  std::uint64_t max_mb = out.store_max_bytes >> 20;
  VS_TRY(read.integer("store.max_mb", 1, 1 << 20, "must be 1 to 1048576 (MiB)", max_mb));
  out.store_max_bytes = max_mb << 20;
  std::string durability = "every_commit";
  VS_TRY(read.choice("store.durability", {"every_commit", "group"},
                     "must be \"every_commit\" or \"group\"", durability));
  out.group_commit = durability == "group";
  VS_TRY(read.duration("store.group_commit_window_ms", 1, 600'000, "must be 1 to 600000 ms",
                       out.group_commit_window));

  VS_TRY(read.integer("seal.max_entries", 1, 4096, "must be 1 to 4096 entries per block",
                      out.seal_max_entries));
  VS_TRY(read.duration("seal.max_age_ms", 10, 86'400'000, "must be 10 ms to one day",
                       out.seal_max_age));
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

  VS_TRY(read.brokers("mqtt.broker", out.broker, out.more_brokers));
  VS_TRY(read.topic_prefix("mqtt.topic_prefix", out.topic_prefix));
  VS_TRY(read.text("mqtt.ca_file", out.tls_ca_file));
  VS_TRY(read.text("mqtt.cert_file", out.tls_cert_file));
  VS_TRY(read.text("mqtt.key_file", out.tls_key_file));
  if (out.broker.rfind("ssl://", 0) == 0 && out.tls_ca_file.empty()) {
    return read.bad("mqtt.ca_file", "(absent)", "is needed with an ssl:// broker");
  }
  VS_TRY(read.integer("mqtt.in_flight", 1, 1000, "must be 1 to 1000 blocks", out.in_flight_window));
  VS_TRY(read.duration("mqtt.keep_alive_s", 2, 3600, "must be 2 to 3600 s", out.keep_alive));

  VS_TRY(read.flag("uplink.live", out.live));
  VS_TRY(read.duration("uplink.status_interval_ms", 100, 3'600'000, "must be 100 ms to one hour",
                       out.status_interval));
  VS_TRY(read.duration("uplink.receipt_timeout_ms", 500, 86'400'000, "must be 500 ms to one day",
                       out.receipt_timeout));
  VS_TRY(read.duration("resend.max_age_ms", 1000, 86'400'000, "must be 1 s to one day",
                       out.resend_max_age));
  VS_TRY(read.integer("resend.max_blocks", 1, 100'000, "must be 1 to 100000 blocks per request",
                      out.resend_max_blocks));
  std::string gateway_key;
  VS_TRY(read.text("gateway.public_key", gateway_key));
  out.gateway_public_key = gateway_key;
  std::string trusted_keys;
  VS_TRY(read.text("gateway.trusted_keys", trusted_keys));
  out.gateway_trusted_keys = trusted_keys;
  if (!gateway_key.empty() && !trusted_keys.empty())
    return read.bad("gateway.trusted_keys", "\"" + trusted_keys + "\"",
                    "give gateway.public_key or gateway.trusted_keys, not both");
  std::string inbox_dir;
  VS_TRY(read.text("events.inbox_dir", inbox_dir));
  out.inbox_dir = inbox_dir;
  return out;
}

}  // namespace vs::agent
