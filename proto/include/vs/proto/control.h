// C++ view of control.proto.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vs::proto {

struct ResendRequest {
  std::uint32_t version = 0;
  std::vector<std::uint8_t> device_id;
  std::uint64_t from_height = 0;
  std::uint64_t to_height = 0;
  std::string reason;
  std::uint64_t time_ms = 0;
  std::vector<std::uint8_t> nonce;

  bool operator==(const ResendRequest&) const = default;
};

struct SignedResendRequest {
  std::vector<std::uint8_t> body;  // the exact encoded ResendRequest
  std::vector<std::uint8_t> signature;
  std::vector<std::uint8_t> gateway_key_id;

  bool operator==(const SignedResendRequest&) const = default;
};

enum AgentAlarm : std::uint32_t {
  kAgentAlarmNone = 0,
  kAgentAlarmStorageFull = 1,
  kAgentAlarmSensorFault = 2,
  kAgentAlarmClock = 4,
};

struct Status {
  std::uint32_t version = 0;
  bool online = false;
  bool has_tip = false;
  std::uint64_t tip_height = 0;
  std::uint64_t backlog_blocks = 0;
  std::uint64_t pending_entries = 0;
  std::uint64_t next_seq = 0;
  bool has_receipt = false;
  std::uint64_t last_receipt_height = 0;
  std::uint64_t storage_used_bytes = 0;
  std::uint64_t storage_limit_bytes = 0;
  std::uint32_t alarms = kAgentAlarmNone;
  std::uint64_t time_ms = 0;

  bool operator==(const Status&) const = default;
};

struct ResentBlock {
  std::vector<std::uint8_t> block;    // the exact encoded Block
  std::vector<std::uint8_t> receipt;  // the exact encoded Receipt

  bool operator==(const ResentBlock&) const = default;
};

struct LiveReading {
  std::vector<std::uint8_t> entry;
  std::vector<std::uint8_t> signature;

  bool operator==(const LiveReading&) const = default;
};

}  // namespace vs::proto
