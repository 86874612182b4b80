// C++ view of entry.proto; platform/nanopb converts it to and from bytes.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace vs::proto {

enum class VitalKind : std::uint32_t {
  kUnspecified = 0,
  kHeartRate = 1,
  kSpo2 = 2,
  kBpSystolic = 3,
  kBpDiastolic = 4,
  kBodyTemperature = 5,
  kRespiratoryRate = 6,
  kEcg = 7,
  kPpg = 8,
};
inline constexpr std::uint32_t kMaxVitalKind = 8;

enum QualityFlag : std::uint32_t {
  kQualityOk = 0,
  kQualityAlarm = 1,
  kQualityProbeOff = 2,
  kQualityMotionArtefact = 4,
  kQualityLowPerfusion = 8,
  kQualityOutOfRange = 16,
  kQualityCalibrating = 32,
};

struct Reading {
  VitalKind kind = VitalKind::kUnspecified;
  std::int64_t mantissa = 0;
  std::int32_t exponent = 0;
  std::uint32_t quality = kQualityOk;
  std::uint32_t sample_rate_mhz = 0;
  std::vector<std::int32_t> samples;

  bool operator==(const Reading&) const = default;
};

enum class EventKind : std::uint32_t {
  kUnspecified = 0,
  kEnrolment = 1,
  kConsentGranted = 2,
  kConsentRevoked = 3,
  kKeyRotation = 4,
  kCalibration = 5,
  kTamper = 6,
  kClockAdjustment = 7,
  kFirmwareChange = 8,
  kGap = 9,
};
inline constexpr std::uint32_t kMaxEventKind = 9;

struct Event {
  EventKind kind = EventKind::kUnspecified;
  std::string subject;
  std::string recipient;
  std::vector<std::uint8_t> public_key;
  std::uint32_t key_index = 0;
  std::int64_t delta_ms = 0;
  std::uint64_t count = 0;
  std::string text;
  VitalKind vital = VitalKind::kUnspecified;

  bool operator==(const Event&) const = default;
};

struct Entry {
  std::uint64_t seq = 0;
  std::uint64_t time_ms = 0;
  std::variant<Reading, Event> body;

  bool operator==(const Entry&) const = default;
};

}  // namespace vs::proto
