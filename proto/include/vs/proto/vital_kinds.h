// One table of the vital kinds: the short code of the serial and CSV
// formats, the config name, the canonical UCUM unit of the wire values.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "vs/proto/entry.h"

namespace vs::proto {

struct VitalKindInfo {
  VitalKind kind;
  std::string_view code;  // serial frames, CSV files
  std::string_view name;  // config files
  std::string_view ucum;  // unit of mantissa x 10^exponent
};

inline constexpr std::array<VitalKindInfo, 8> kVitalKinds{{
    {VitalKind::kHeartRate, "HR", "heart_rate", "/min"},
    {VitalKind::kSpo2, "SPO2", "spo2", "%"},
    {VitalKind::kBpSystolic, "SYS", "bp_systolic", "mm[Hg]"},
    {VitalKind::kBpDiastolic, "DIA", "bp_diastolic", "mm[Hg]"},
    {VitalKind::kBodyTemperature, "TEMP", "body_temperature", "Cel"},
    {VitalKind::kRespiratoryRate, "RR", "respiratory_rate", "/min"},
    {VitalKind::kEcg, "ECG", "ecg", "mV"},
    {VitalKind::kPpg, "PPG", "ppg", "1"},
}};

// mantissa x 10^exponent as the nearest double (dividing by an exact power
// of ten keeps 986e-1 at 98.6, where multiplying by 0.1 would not).
inline double decimal_value(std::int64_t mantissa, std::int32_t exponent) {
  if (exponent >= 0) return static_cast<double>(mantissa) * std::pow(10.0, exponent);
  return static_cast<double>(mantissa) / std::pow(10.0, -static_cast<double>(exponent));
}

inline bool is_blood_pressure(VitalKind kind) {
  return kind == VitalKind::kBpSystolic || kind == VitalKind::kBpDiastolic;
}

// A systolic and a diastolic taken at the same instant, next to each other
// in the chain: one cuff measurement (one FHIR blood-pressure panel).
inline bool is_blood_pressure_pair(const Entry& a, const Entry& b) {
  const auto* first = std::get_if<Reading>(&a.body);
  const auto* second = std::get_if<Reading>(&b.body);
  return first != nullptr && second != nullptr && is_blood_pressure(first->kind) &&
         is_blood_pressure(second->kind) && first->kind != second->kind && a.time_ms == b.time_ms;
}

inline std::optional<VitalKind> vital_kind_from_code(std::string_view code) {
  for (const auto& info : kVitalKinds) {
    if (info.code == code) return info.kind;
  }
  return std::nullopt;
}

inline std::optional<VitalKind> vital_kind_from_name(std::string_view name) {
  for (const auto& info : kVitalKinds) {
    if (info.name == name) return info.kind;
  }
  return std::nullopt;
}

}  // namespace vs::proto
