#include "vs/board/sim_patient.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace vs::board {
namespace {

const std::filesystem::path kScenarios = VS_SOURCE_DIR "/boards/sim/scenarios";

Scenario load(const std::string& name) {
  auto config = platform::TomlConfig::load(kScenarios / (name + ".toml"));
  EXPECT_TRUE(config.ok()) << config.error().message();
  auto scenario = Scenario::from_config(*config);
  EXPECT_TRUE(scenario.ok()) << scenario.error().message();
  return std::move(scenario).value();
}

std::vector<proto::Reading> readings_of(const std::vector<agent::SensorSample>& samples,
                                        proto::VitalKind kind) {
  std::vector<proto::Reading> out;
  for (const auto& sample : samples) {
    if (const auto* reading = std::get_if<proto::Reading>(&sample);
        reading && reading->kind == kind) {
      out.push_back(*reading);
    }
  }
  return out;
}

TEST(SimPatient, SameSeedSameReadings) {
  SimPatient a(load("resting"), 42, Waveform::kEcg);
  SimPatient b(load("resting"), 42, Waveform::kEcg);
  SimPatient c(load("resting"), 43, Waveform::kEcg);
  auto first = a.advance(0, 120'000);
  EXPECT_EQ(first, b.advance(0, 120'000));
  EXPECT_NE(first, c.advance(0, 120'000));
}

TEST(SimPatient, EmitsEveryVitalAtItsRate) {
  SimPatient patient(load("resting"), 1, Waveform::kEcg);
  auto samples = patient.advance(0, 600'000);  // ten minutes
  EXPECT_EQ(readings_of(samples, proto::VitalKind::kHeartRate).size(), 600u);
  EXPECT_EQ(readings_of(samples, proto::VitalKind::kSpo2).size(), 600u);
  EXPECT_EQ(readings_of(samples, proto::VitalKind::kRespiratoryRate).size(), 120u);
  EXPECT_EQ(readings_of(samples, proto::VitalKind::kBodyTemperature).size(), 10u);
  EXPECT_EQ(readings_of(samples, proto::VitalKind::kBpSystolic).size(), 2u);
  EXPECT_EQ(readings_of(samples, proto::VitalKind::kBpDiastolic).size(), 2u);
  auto ecg = readings_of(samples, proto::VitalKind::kEcg);
  ASSERT_EQ(ecg.size(), 600u);
  EXPECT_EQ(ecg[0].samples.size(), 250u);
  EXPECT_EQ(ecg[0].sample_rate_mhz, 250'000u);
  EXPECT_EQ(ecg[0].exponent, -3);
  for (const auto& hr : readings_of(samples, proto::VitalKind::kHeartRate)) {
    EXPECT_GT(hr.mantissa, 55);
    EXPECT_LT(hr.mantissa, 80);
    EXPECT_EQ(hr.quality & proto::kQualityAlarm, 0u);
  }
}

TEST(SimPatient, TachycardiaRaisesHeartRateAlarms) {
  SimPatient patient(load("tachycardia"), 1, Waveform::kNone);
  auto calm = readings_of(patient.advance(0, 30'000), proto::VitalKind::kHeartRate);
  auto episode = readings_of(patient.advance(60'000, 90'000), proto::VitalKind::kHeartRate);
  EXPECT_TRUE(std::none_of(calm.begin(), calm.end(),
                           [](const auto& r) { return r.quality & proto::kQualityAlarm; }));
  EXPECT_TRUE(std::all_of(episode.begin(), episode.end(),
                          [](const auto& r) { return r.quality & proto::kQualityAlarm; }));
}

TEST(SimPatient, DesaturationAndProbeOffAndMotionAreFlagged) {
  SimPatient desaturating(load("desaturation"), 1, Waveform::kNone);
  auto low = readings_of(desaturating.advance(60'000, 90'000), proto::VitalKind::kSpo2);
  EXPECT_TRUE(std::all_of(low.begin(), low.end(), [](const auto& r) {
    return r.mantissa < 90 && (r.quality & proto::kQualityAlarm);
  }));

  SimPatient probe(load("probe_off"), 1, Waveform::kPpg);
  auto off = readings_of(probe.advance(21'000, 39'000), proto::VitalKind::kSpo2);
  ASSERT_FALSE(off.empty());
  EXPECT_TRUE(std::all_of(off.begin(), off.end(),
                          [](const auto& r) { return r.quality == proto::kQualityProbeOff; }));

  SimPatient moving(load("motion_artefact"), 1, Waveform::kEcg);
  auto ecg = readings_of(moving.advance(21'000, 49'000), proto::VitalKind::kEcg);
  EXPECT_TRUE(std::all_of(ecg.begin(), ecg.end(),
                          [](const auto& r) { return r.quality & proto::kQualityMotionArtefact; }));
}

TEST(Scenario, BadFilesAreNamed) {
  auto no_phase = platform::TomlConfig::parse("name = \"x\"\n", "bad.toml").value();
  EXPECT_EQ(Scenario::from_config(no_phase).error().message(),
            "bad.toml: a scenario needs at least one [[phase]] [invalid argument]");
  auto implausible =
      platform::TomlConfig::parse("[[phase]]\nduration_s = 10\nheart_rate = 900\n", "bad.toml")
          .value();
  EXPECT_EQ(Scenario::from_config(implausible).error().message(),
            "bad.toml:3: phase[0].heart_rate = 900.000000: value is outside what a patient can "
            "show [invalid argument]");
  auto wrong_type =
      platform::TomlConfig::parse("[[phase]]\nduration_s = \"long\"\n", "bad.toml").value();
  EXPECT_EQ(Scenario::from_config(wrong_type).error().message(),
            "bad.toml:2: phase[0].duration_s: expected a number [invalid argument]");
  auto not_toml = platform::TomlConfig::parse("[[phase]\n", "bad.toml");
  ASSERT_FALSE(not_toml.ok());
  EXPECT_NE(not_toml.error().message().find("bad.toml:1:"), std::string::npos);
}

}  // namespace
}  // namespace vs::board
