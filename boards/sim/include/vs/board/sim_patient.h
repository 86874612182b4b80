#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vs/agent/sensor.h"
#include "vs/platform/result.h"
#include "vs/platform/toml_config.h"

namespace vs::board {

// One stretch of a scenario. Targets carry over from the previous phase
// when not given; the patient drifts towards them.
struct ScenarioPhase {
  std::uint64_t duration_ms = 60'000;
  double heart_rate = 72;        // /min
  double spo2 = 97;              // %
  double respiratory_rate = 14;  // /min
  double temperature = 36.8;     // Cel
  double systolic = 120;         // mm[Hg]
  double diastolic = 80;         // mm[Hg]
  bool probe_off = false;        // SpO2 probe detached: no SpO2 or PPG values
  bool motion = false;           // motion artefact on the waveform and SpO2
};

struct Scenario {
  std::string name = "resting";
  std::vector<ScenarioPhase> phases{ScenarioPhase{}};

  // Reads [[phase]] tables; errors name the key and the reason.
  static Result<Scenario> from_config(const platform::TomlConfig& config);
};

enum class Waveform { kNone, kEcg, kPpg };

// A deterministic simulated patient: the same seed and scenario give the
// same readings at the same simulated times, on any machine.
class SimPatient {
 public:
  SimPatient(Scenario scenario, std::uint64_t seed, Waveform waveform);

  // Every sample due in (from_ms, to_ms] of simulated time, in time order.
  std::vector<agent::SensorSample> advance(std::uint64_t from_ms, std::uint64_t to_ms);
  // Simulated time of the next sample after `after_ms`.
  std::uint64_t next_due_ms(std::uint64_t after_ms) const;

  static constexpr std::uint64_t kVitalsPeriodMs = 1000;  // heart rate, SpO2, waveform
  static constexpr std::uint64_t kRespirationPeriodMs = 5000;
  static constexpr std::uint64_t kTemperaturePeriodMs = 60'000;
  static constexpr std::uint64_t kBloodPressurePeriodMs = 300'000;
  static constexpr std::uint32_t kWaveformRateMhz = 250'000;  // 250 Hz

 private:
  const ScenarioPhase& phase_at(std::uint64_t t_ms) const;
  double noise(std::uint64_t t_ms, std::uint64_t channel) const;  // in [-1, 1], deterministic
  void emit(std::uint64_t t_ms, std::vector<agent::SensorSample>& out) const;
  std::vector<std::int32_t> waveform(std::uint64_t t_ms, const ScenarioPhase& phase) const;

  Scenario scenario_;
  std::uint64_t seed_;
  Waveform waveform_;
};

}  // namespace vs::board
