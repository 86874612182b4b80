#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "vs/platform/result.h"
#include "vs/proto/entry.h"

namespace vs::agent {

// What a sensor hands the agent: a reading or an event, without seq or time
// (the agent assigns both when it commits the entry).
using SensorSample = std::variant<proto::Reading, proto::Event>;

struct SensorCounters {
  std::uint64_t samples = 0;
  std::uint64_t malformed_frames = 0;  // unparseable, truncated or failing their checksum
  std::uint64_t reconnects = 0;
};

// A board's source of vital signs. Contract: read() waits at most `timeout`
// and returns what arrived (possibly nothing); bad frames from the device
// are counted, never returned and never fatal; kUnavailable only when the
// sensor is gone for good.
class Sensor {
 public:
  virtual ~Sensor() = default;
  virtual Result<std::vector<SensorSample>> read(std::chrono::milliseconds timeout) = 0;
  virtual SensorCounters counters() const = 0;
};

}  // namespace vs::agent
