#include "vs/board/csv_replay_sensor.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"
#include "vs/platform/clock.h"

namespace vs::board {
namespace {

// Everything the sensor hands over in `turns` reads of 10 ms at most.
std::vector<agent::SensorSample> read_turns(agent::Sensor& sensor, int turns) {
  std::vector<agent::SensorSample> all;
  for (int i = 0; i < turns; ++i) {
    auto samples = sensor.read(std::chrono::milliseconds(10));
    EXPECT_TRUE(samples.ok()) << samples.error().message();
    if (samples) all.insert(all.end(), samples->begin(), samples->end());
  }
  return all;
}

TEST(CsvReplaySensor, ParsesLines) {
  auto row = CsvReplaySensor::parse_line("1767225600000,TEMP,366,-1,0");
  ASSERT_TRUE(row.ok()) << row.error().message();
  EXPECT_EQ(row->time_ms, 1767225600000u);
  EXPECT_EQ(row->reading, (proto::Reading{proto::VitalKind::kBodyTemperature, 366, -1, 0, 0, {}}));
  const char* kFields =
      "expected 5 fields (time_ms,kind,mantissa,exponent,quality) or a waveform's 6 "
      "(time_ms,kind,rate_mhz,exponent,quality,samples)";
  EXPECT_STREQ(CsvReplaySensor::parse_line("1,HR,72,0").error().reason(), kFields);
  EXPECT_STREQ(CsvReplaySensor::parse_line("1,PULSE,72,0,0").error().reason(),
               "kind is not one of HR, SPO2, SYS, DIA, TEMP, RR");
  EXPECT_STREQ(CsvReplaySensor::parse_line("x,HR,72,0,0").error().reason(),
               "time_ms is not a whole number");
  EXPECT_STREQ(CsvReplaySensor::parse_line("1,HR,7.2,0,0").error().reason(),
               "mantissa is not an integer");
  EXPECT_STREQ(CsvReplaySensor::parse_line("1,HR,72,0,0,9,9").error().reason(), kFields);
}

TEST(CsvReplaySensor, ParsesWaveformLinesAndSaysWhatIsWrongWithOne) {
  auto row = CsvReplaySensor::parse_line("1767225600000,ECG,360000,-3,0,-245;-215; 12");
  ASSERT_TRUE(row.ok()) << row.error().message();
  EXPECT_EQ(row->reading, (proto::Reading{proto::VitalKind::kEcg, 0, -3, 0, 360000,
                                          std::vector<std::int32_t>{-245, -215, 12}}));
  EXPECT_EQ(CsvReplaySensor::parse_line("1,PPG,100000,0,4,7").value().reading.quality, 4u);
  auto reason = [](std::string_view line) {
    auto parsed = CsvReplaySensor::parse_line(line);
    const Error& error = parsed.error();
    return (error.subject().empty() ? "" : error.subject() + ": ") + error.reason();
  };
  EXPECT_EQ(reason("1,ECG,-3,0,0"), "kind is not one of HR, SPO2, SYS, DIA, TEMP, RR");
  EXPECT_EQ(reason("1,HR,360000,-3,0,1;2"), "a line of 6 fields is a waveform: kind ECG or PPG");
  EXPECT_EQ(reason("1,ECG,0,-3,0,1;2"), "rate_mhz is not a whole number above 0");
  EXPECT_EQ(reason("1,ECG,360000,-12,0,1;2"), "exponent is not an integer from -9 to 9");
  EXPECT_EQ(reason("1,ECG,360000,-3,0,1;x;3"), "sample 2: is not a 32-bit integer");
  EXPECT_EQ(reason("1,ECG,360000,-3,0,1;;3"), "sample 2: is not a 32-bit integer");
  EXPECT_EQ(reason("1,ECG,360000,-3,0,"), "sample 1: is not a 32-bit integer");
  EXPECT_EQ(reason("1,ECG,360000,-3,0,2147483648"), "sample 1: is not a 32-bit integer");
  std::string too_long = "1,ECG,360000,-3,0,0";
  for (int i = 0; i < 2048; ++i) too_long += ";0";
  EXPECT_EQ(reason(too_long), "a waveform has at most 2048 samples");
}

// The shipped example is a real recording (MIT-BIH record 208, from Debian's
// python3-scipy): every sample comes out as the file has it.
TEST(CsvReplaySensor, ReplaysTheRealEcgExampleSampleBySample) {
  const char* path = VS_SOURCE_DIR "/boards/replay/mitdb-208-ecg.csv";
  std::vector<std::vector<std::int32_t>> expected;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line[0] == '#' || line.rfind("time_ms", 0) == 0) continue;
    std::vector<std::int32_t> samples;
    std::string_view rest = std::string_view(line).substr(line.rfind(',') + 1);
    for (std::size_t from = 0; from <= rest.size();) {
      std::size_t end = std::min(rest.find(';', from), rest.size());
      samples.push_back(std::stoi(std::string(rest.substr(from, end - from))));
      from = end + 1;
    }
    expected.push_back(std::move(samples));
  }
  ASSERT_EQ(expected.size(), 20u);
  platform::SystemClock clock;
  auto sensor = CsvReplaySensor::open(path, clock, 0, false);
  ASSERT_TRUE(sensor.ok());
  std::vector<proto::Reading> readings;
  for (auto& sample : read_turns(**sensor, 3)) readings.push_back(std::get<proto::Reading>(sample));
  EXPECT_EQ((*sensor)->counters().malformed_frames, 0u);
  ASSERT_EQ(readings.size(), expected.size());
  for (std::size_t i = 0; i < readings.size(); ++i) {
    EXPECT_EQ(readings[i].kind, proto::VitalKind::kEcg);
    EXPECT_EQ(readings[i].sample_rate_mhz, 360'000u);
    EXPECT_EQ(readings[i].exponent, -3);
    EXPECT_EQ(readings[i].samples, expected[i]) << "second " << i;
  }
  // scipy.misc.electrocardiogram()[:3]: -0.245, -0.215, -0.185 mV.
  EXPECT_EQ(std::vector<std::int32_t>(readings[0].samples.begin(), readings[0].samples.begin() + 3),
            (std::vector<std::int32_t>{-245, -215, -185}));
}

TEST(CsvReplaySensor, ReplaysTheShippedSampleAndSkipsBadLines) {
  vs::testing::TempDir dir;
  std::filesystem::path file = dir.path() / "vitals.csv";
  std::ifstream sample(VS_SOURCE_DIR "/boards/replay/sample.csv");
  std::ofstream out(file);
  out << sample.rdbuf() << "1767225605000,HR,not-a-number,0,0\n1767225606000,HR,66,0,0\n";
  out.close();
  platform::SystemClock clock;
  auto sensor = CsvReplaySensor::open(file, clock, 0, false);
  ASSERT_TRUE(sensor.ok());
  std::vector<agent::SensorSample> all = read_turns(**sensor, 5);
  EXPECT_EQ(all.size(), 13u);
  EXPECT_EQ((*sensor)->counters().malformed_frames, 1u);
  EXPECT_EQ(std::get<proto::Reading>(all.back()).mantissa, 66);
  EXPECT_EQ(std::get<proto::Reading>(all[8]).quality, proto::kQualityAlarm);
  EXPECT_FALSE(CsvReplaySensor::open(dir.path() / "absent.csv", clock, 0, false).ok());
}

TEST(CsvReplaySensor, AFinishedReplayWaitsOutTheTimeoutLikeAnIdleSensor) {
  vs::testing::TempDir dir;
  std::filesystem::path file = dir.path() / "empty.csv";
  std::ofstream(file) << "time_ms,kind,mantissa,exponent,quality\n";
  platform::SystemClock clock;
  auto sensor = CsvReplaySensor::open(file, clock, 1, false);
  ASSERT_TRUE(sensor.ok());
  for (int i = 0; i < 3; ++i) {
    auto before = std::chrono::steady_clock::now();
    auto samples = (*sensor)->read(std::chrono::milliseconds(20));
    ASSERT_TRUE(samples.ok());
    EXPECT_TRUE(samples->empty());
    // A lower bound only: it blocked (an agent's loop would spin otherwise).
    EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(20));
  }
}

}  // namespace
}  // namespace vs::board
