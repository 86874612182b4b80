#include "vs/board/sim_patient.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vs::board {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::int64_t rounded(double value) {
  return static_cast<std::int64_t>(std::llround(value));
}

constexpr std::uint64_t kRampMs = 20'000;

}  // namespace

Result<Scenario> Scenario::from_config(const platform::TomlConfig& config) {
  Scenario scenario;
  VS_TRY_ASSIGN(auto name, config.string("name"));
  if (name) scenario.name = *name;
  std::size_t count = config.array_size("phase");
  if (count == 0) {
    return Error(ErrorCode::kInvalidArgument, "a scenario needs at least one [[phase]]")
        .about(config.where("phase"));
  }
  scenario.phases.clear();
  ScenarioPhase previous;
  for (std::size_t i = 0; i < count; ++i) {
    std::string prefix = "phase[" + std::to_string(i) + "].";
    ScenarioPhase phase = previous;
    phase.probe_off = false;
    phase.motion = false;
    VS_TRY_ASSIGN(auto duration, config.number(prefix + "duration_s"));
    if (!duration || *duration <= 0 || *duration > 7 * 24 * 3600) {
      return Error(ErrorCode::kInvalidArgument,
                   "duration_s must be given, above 0 and at most a week")
          .about(config.where(prefix + "duration_s") + ": " + prefix + "duration_s");
    }
    phase.duration_ms = static_cast<std::uint64_t>(*duration * 1000);
    struct Field {
      const char* key;
      double* value;
      double low;
      double high;
    };
    Field fields[] = {{"heart_rate", &phase.heart_rate, 20, 250},
                      {"spo2", &phase.spo2, 50, 100},
                      {"respiratory_rate", &phase.respiratory_rate, 2, 60},
                      {"temperature", &phase.temperature, 30, 43},
                      {"systolic", &phase.systolic, 50, 250},
                      {"diastolic", &phase.diastolic, 30, 150}};
    for (const Field& field : fields) {
      std::string key = prefix + field.key;
      VS_TRY_ASSIGN(auto value, config.number(key));
      if (!value) continue;
      if (*value < field.low || *value > field.high) {
        return Error(ErrorCode::kInvalidArgument, "value is outside what a patient can show")
            .about(config.where(key) + ": " + key + " = " + std::to_string(*value));
      }
      *field.value = *value;
    }
    VS_TRY_ASSIGN(auto probe_off, config.boolean(prefix + "probe_off"));
    phase.probe_off = probe_off.value_or(false);
    VS_TRY_ASSIGN(auto motion, config.boolean(prefix + "motion"));
    phase.motion = motion.value_or(false);
    scenario.phases.push_back(phase);
    previous = phase;
  }
  return scenario;
}

SimPatient::SimPatient(Scenario scenario, std::uint64_t seed, Waveform waveform)
    : scenario_(std::move(scenario)), seed_(seed), waveform_(waveform) {
  if (scenario_.phases.empty()) scenario_.phases.push_back(ScenarioPhase{});
}

const ScenarioPhase& SimPatient::phase_at(std::uint64_t t_ms) const {
  std::uint64_t start = 0;
  for (const ScenarioPhase& phase : scenario_.phases) {
    if (t_ms < start + phase.duration_ms) return phase;
    start += phase.duration_ms;
  }
  return scenario_.phases.back();
}

double SimPatient::noise(std::uint64_t t_ms, std::uint64_t channel) const {
  std::uint64_t bits = splitmix64(seed_ ^ splitmix64(t_ms * 0x100000001b3ULL + channel));
  return static_cast<double>(bits >> 11) / static_cast<double>(1ULL << 52) - 1.0;
}

std::uint64_t SimPatient::next_due_ms(std::uint64_t after_ms) const {
  return (after_ms / kVitalsPeriodMs + 1) * kVitalsPeriodMs;
}

std::vector<agent::SensorSample> SimPatient::advance(std::uint64_t from_ms, std::uint64_t to_ms) {
  std::vector<agent::SensorSample> out;
  for (std::uint64_t t = next_due_ms(from_ms); t <= to_ms; t += kVitalsPeriodMs) emit(t, out);
  return out;
}

std::vector<std::int32_t> SimPatient::waveform(std::uint64_t t_ms,
                                               const ScenarioPhase& phase) const {
  // One second of samples ending at t_ms; beats at the phase's heart rate.
  std::vector<std::int32_t> samples;
  std::size_t count = kWaveformRateMhz / 1000;
  double beat_ms = 60'000.0 / phase.heart_rate;
  for (std::size_t i = 0; i < count; ++i) {
    double sample_t = static_cast<double>(t_ms - 1000) +
                      static_cast<double>(i) * 1000.0 / static_cast<double>(count);
    double phase_in_beat = std::fmod(sample_t, beat_ms) / beat_ms;  // 0..1
    double value = 0;
    if (waveform_ == Waveform::kEcg) {
      // P, QRS and T as Gaussians, in microvolts (exponent -3 on mV).
      auto bump = [&](double centre, double width, double height) {
        double d = (phase_in_beat - centre) / width;
        return height * std::exp(-d * d);
      };
      value = bump(0.15, 0.025, 150) - bump(0.27, 0.008, 120) + bump(0.3, 0.012, 1200) -
              bump(0.33, 0.01, 250) + bump(0.55, 0.05, 300);
    } else {
      value = 500 + 400 * std::sin(2 * std::numbers::pi * phase_in_beat) * std::exp(-phase_in_beat);
      if (phase.probe_off) value = 0;
    }
    double jitter = phase.motion ? 400 : 15;
    value += jitter * noise(t_ms * 1000 + i, 7);
    samples.push_back(static_cast<std::int32_t>(std::lround(value)));
  }
  return samples;
}

void SimPatient::emit(std::uint64_t t_ms, std::vector<agent::SensorSample>& out) const {
  // Targets ramp from the previous phase's over the first 20 s of a phase.
  std::uint64_t start = 0;
  std::size_t index = 0;
  while (index + 1 < scenario_.phases.size() &&
         t_ms >= start + scenario_.phases[index].duration_ms) {
    start += scenario_.phases[index].duration_ms;
    ++index;
  }
  const ScenarioPhase& now = scenario_.phases[index];
  const ScenarioPhase& before = index > 0 ? scenario_.phases[index - 1] : now;
  double ramp = std::min(1.0, static_cast<double>(t_ms - start) /
                                  static_cast<double>(std::min(kRampMs, now.duration_ms)));
  auto target = [&](double ScenarioPhase::*field) {
    return before.*field + (now.*field - before.*field) * ramp;
  };

  double respiration = target(&ScenarioPhase::respiratory_rate);
  double breath =
      std::sin(2 * std::numbers::pi * static_cast<double>(t_ms) / (60'000.0 / respiration));
  double heart_rate = target(&ScenarioPhase::heart_rate) + 3 * breath + 1.5 * noise(t_ms, 1);
  std::uint32_t hr_quality =
      (heart_rate > 120 || heart_rate < 45) ? proto::kQualityAlarm : proto::kQualityOk;
  if (now.motion) hr_quality |= proto::kQualityMotionArtefact;
  out.push_back(
      proto::Reading{proto::VitalKind::kHeartRate, rounded(heart_rate), 0, hr_quality, 0, {}});

  double spo2 = std::clamp(target(&ScenarioPhase::spo2) + 0.6 * noise(t_ms, 2), 0.0, 100.0);
  if (now.probe_off) {
    out.push_back(proto::Reading{proto::VitalKind::kSpo2, 0, 0, proto::kQualityProbeOff, 0, {}});
  } else {
    std::uint32_t quality = spo2 < 90 ? proto::kQualityAlarm : proto::kQualityOk;
    if (now.motion) quality |= proto::kQualityMotionArtefact;
    out.push_back(proto::Reading{proto::VitalKind::kSpo2, rounded(spo2), 0, quality, 0, {}});
  }
  if (t_ms % kRespirationPeriodMs == 0) {
    double rr = respiration + 0.8 * noise(t_ms, 3);
    std::uint32_t quality = (rr > 30 || rr < 8) ? proto::kQualityAlarm : proto::kQualityOk;
    out.push_back(
        proto::Reading{proto::VitalKind::kRespiratoryRate, rounded(rr), 0, quality, 0, {}});
  }
  if ((t_ms - 1000) % kTemperaturePeriodMs == 0) {
    double temperature = target(&ScenarioPhase::temperature) + 0.05 * noise(t_ms, 4);
    out.push_back(proto::Reading{proto::VitalKind::kBodyTemperature,
                                 rounded(temperature * 10),
                                 -1,
                                 proto::kQualityOk,
                                 0,
                                 {}});
  }
  if ((t_ms - 1000) % kBloodPressurePeriodMs == 0) {
    out.push_back(proto::Reading{proto::VitalKind::kBpSystolic,
                                 rounded(target(&ScenarioPhase::systolic) + 2 * noise(t_ms, 5)),
                                 0,
                                 proto::kQualityOk,
                                 0,
                                 {}});
    out.push_back(proto::Reading{proto::VitalKind::kBpDiastolic,
                                 rounded(target(&ScenarioPhase::diastolic) + 2 * noise(t_ms, 6)),
                                 0,
                                 proto::kQualityOk,
                                 0,
                                 {}});
  }
  if (waveform_ != Waveform::kNone) {
    bool ecg = waveform_ == Waveform::kEcg;
    std::uint32_t quality = now.motion ? proto::kQualityMotionArtefact : proto::kQualityOk;
    if (!ecg && now.probe_off) quality |= proto::kQualityProbeOff;
    out.push_back(proto::Reading{ecg ? proto::VitalKind::kEcg : proto::VitalKind::kPpg, 0,
                                 ecg ? -3 : 0, quality, kWaveformRateMhz, waveform(t_ms, now)});
  }
}

}  // namespace vs::board
