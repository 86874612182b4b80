#pragma once

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "vs/platform/result.h"
#include "vs/platform/toml_config.h"
#include "vs/proto/entry.h"

namespace vs::agent {

// Everything vitalsign-agent reads from its TOML file. agent/agent.example.toml
// documents every key with its default; the board's own keys live under a
// table named after it ([sim], [serial], ...).
struct AgentConfig {
  std::string board = "sim";                            // board
  std::string key_name = "device";                      // keys.name
  std::filesystem::path data_dir = "data";              // store.data_dir
  std::uint64_t store_max_bytes = 256ULL << 20;         // store.max_mb
  bool group_commit = false;                            // store.durability = "group"
  std::chrono::milliseconds group_commit_window{1000};  // store.group_commit_window_ms
  std::size_t seal_max_entries = 64;                    // seal.max_entries
  std::chrono::milliseconds seal_max_age{10'000};       // seal.max_age_ms
  bool seal_on_alarm = true;                            // seal.on_alarm
  bool sign_entries = true;                             // signing.per_entry
  std::set<proto::VitalKind> unsigned_kinds;            // signing.unsigned_kinds
  std::string broker;                                   // mqtt.broker (empty: offline)
  std::vector<std::string> more_brokers;  // mqtt.broker as a list: failed over to, in turn
  std::string topic_prefix = "vs/v1";     // mqtt.topic_prefix
  std::string tls_ca_file;                // mqtt.ca_file
  std::string tls_cert_file;              // mqtt.cert_file
  std::string tls_key_file;               // mqtt.key_file
  std::size_t in_flight_window = 16;      // mqtt.in_flight
  std::chrono::seconds keep_alive{10};    // mqtt.keep_alive_s
  bool live = false;                      // uplink.live
  std::chrono::milliseconds status_interval{10'000};  // uplink.status_interval_ms
  std::chrono::milliseconds receipt_timeout{30'000};  // uplink.receipt_timeout_ms
  std::chrono::milliseconds resend_max_age{300'000};  // resend.max_age_ms
  std::uint64_t resend_max_blocks = 256;              // resend.max_blocks
  std::filesystem::path gateway_public_key;           // gateway.public_key (PEM)
  std::filesystem::path gateway_trusted_keys;  // gateway.trusted_keys (chain::GatewayKeySet text)
  std::filesystem::path inbox_dir;  // events.inbox_dir: consent and enrolment files (empty: none)

  // Reads and checks every key; an error names the file, line, key, value
  // and reason. Unknown keys are errors too (a typo must not pass silently).
  static Result<AgentConfig> from_toml(const platform::TomlConfig& config);
};

}  // namespace vs::agent
