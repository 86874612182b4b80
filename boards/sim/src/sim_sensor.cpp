#include "vs/board/sim_sensor.h"

#include <thread>

namespace vs::board {

SimSensor::SimSensor(SimPatient patient, const platform::Clock& clock, double speed)
    : patient_(std::move(patient)), clock_(clock), speed_(speed), start_(clock.steady()) {}

std::uint64_t SimSensor::simulated_now_ms() const {
  auto real = std::chrono::duration<double, std::milli>(clock_.steady() - start_).count();
  return static_cast<std::uint64_t>(real * speed_);
}

Result<std::vector<agent::SensorSample>> SimSensor::read(std::chrono::milliseconds timeout) {
  std::vector<agent::SensorSample> samples;
  if (speed_ <= 0) {
    std::uint64_t next = patient_.next_due_ms(emitted_until_ms_);
    samples = patient_.advance(emitted_until_ms_, next);
    emitted_until_ms_ = next;
  } else {
    std::uint64_t now = simulated_now_ms();
    std::uint64_t due = patient_.next_due_ms(emitted_until_ms_);
    if (now < due) {
      auto wait = std::chrono::milliseconds(
          static_cast<std::int64_t>(static_cast<double>(due - now) / speed_) + 1);
      std::this_thread::sleep_for(std::min(wait, timeout));
      now = simulated_now_ms();
    }
    if (now >= due) {
      samples = patient_.advance(emitted_until_ms_, now);
      emitted_until_ms_ = now;
    }
  }
  counters_.samples += samples.size();
  return samples;
}

}  // namespace vs::board
