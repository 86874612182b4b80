#pragma once

#include <deque>

#include "vs/agent/sensor.h"

namespace vs::testing {

// Returns the batches it was given, one per read, then nothing.
class ScriptedSensor final : public agent::Sensor {
 public:
  void add(std::vector<agent::SensorSample> batch) { batches_.push_back(std::move(batch)); }
  void add_readings(std::size_t count, std::int64_t value = 72,
                    std::uint32_t quality = proto::kQualityOk) {
    std::vector<agent::SensorSample> batch;
    for (std::size_t i = 0; i < count; ++i) {
      batch.push_back(proto::Reading{proto::VitalKind::kHeartRate, value, 0, quality, 0, {}});
    }
    add(std::move(batch));
  }

  Result<std::vector<agent::SensorSample>> read(std::chrono::milliseconds) override {
    if (batches_.empty()) return std::vector<agent::SensorSample>();
    auto batch = std::move(batches_.front());
    batches_.pop_front();
    counters_.samples += batch.size();
    return batch;
  }
  agent::SensorCounters counters() const override { return counters_; }

 private:
  std::deque<std::vector<agent::SensorSample>> batches_;
  agent::SensorCounters counters_;
};

}  // namespace vs::testing
