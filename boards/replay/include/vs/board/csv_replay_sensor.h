#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "vs/agent/sensor.h"
#include "vs/platform/clock.h"

namespace vs::board {

// Replays a CSV of timestamped vitals and waveform segments (README.md),
// paced by the gaps between their timestamps (scaled by `speed`; 0 = as
// fast as possible). Bad lines are counted and skipped with their line
// number and reason logged.
class CsvReplaySensor final : public agent::Sensor {
 public:
  static Result<std::unique_ptr<CsvReplaySensor>> open(const std::filesystem::path& file,
                                                       const platform::Clock& clock, double speed,
                                                       bool loop);

  Result<std::vector<agent::SensorSample>> read(std::chrono::milliseconds timeout) override;
  agent::SensorCounters counters() const override { return counters_; }

  struct Row {
    std::uint64_t time_ms = 0;
    proto::Reading reading;
  };
  // One CSV line; an error names the reason (the caller adds the line number).
  static Result<Row> parse_line(std::string_view line);

 private:
  CsvReplaySensor(std::filesystem::path file, const platform::Clock& clock, double speed,
                  bool loop);
  std::optional<Row> next_row();

  std::filesystem::path path_;
  std::ifstream in_;
  const platform::Clock& clock_;
  double speed_;
  bool loop_;
  std::uint64_t line_number_ = 0;
  std::optional<Row> pending_;
  std::optional<std::uint64_t> first_time_ms_;
  std::chrono::steady_clock::time_point started_;
  bool finished_ = false;
  agent::SensorCounters counters_;
};

}  // namespace vs::board
