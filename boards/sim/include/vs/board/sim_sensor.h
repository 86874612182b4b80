#pragma once

#include "vs/agent/sensor.h"
#include "vs/board/sim_patient.h"
#include "vs/platform/clock.h"

namespace vs::board {

// The simulated patient as a Sensor. speed = simulated ms per real ms
// (1 = real time); speed 0 floods: every read() returns the next simulated
// second at once, for benchmarks.
class SimSensor final : public agent::Sensor {
 public:
  SimSensor(SimPatient patient, const platform::Clock& clock, double speed);

  Result<std::vector<agent::SensorSample>> read(std::chrono::milliseconds timeout) override;
  agent::SensorCounters counters() const override { return counters_; }

 private:
  std::uint64_t simulated_now_ms() const;

  SimPatient patient_;
  const platform::Clock& clock_;
  double speed_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t emitted_until_ms_ = 0;
  agent::SensorCounters counters_;
};

}  // namespace vs::board
