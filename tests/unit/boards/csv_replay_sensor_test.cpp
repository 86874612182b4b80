#include "vs/board/csv_replay_sensor.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"
#include "vs/platform/clock.h"

namespace vs::board {
namespace {

TEST(CsvReplaySensor, ParsesLines) {
  auto row = CsvReplaySensor::parse_line("1767225600000,TEMP,366,-1,0");
  ASSERT_TRUE(row.ok()) << row.error().message();
  EXPECT_EQ(row->time_ms, 1767225600000u);
  EXPECT_EQ(row->reading, (proto::Reading{proto::VitalKind::kBodyTemperature, 366, -1, 0, 0, {}}));
  EXPECT_STREQ(CsvReplaySensor::parse_line("1,HR,72,0").error().reason(),
               "expected 5 fields: time_ms,kind,mantissa,exponent,quality");
  EXPECT_STREQ(CsvReplaySensor::parse_line("1,PULSE,72,0,0").error().reason(),
               "kind is not one of HR, SPO2, SYS, DIA, TEMP, RR");
  EXPECT_STREQ(CsvReplaySensor::parse_line("x,HR,72,0,0").error().reason(),
               "time_ms is not a whole number");
  EXPECT_STREQ(CsvReplaySensor::parse_line("1,HR,7.2,0,0").error().reason(),
               "mantissa is not an integer");
  EXPECT_STREQ(CsvReplaySensor::parse_line("1,HR,72,0,0,9").error().reason(),
               "expected 5 fields: time_ms,kind,mantissa,exponent,quality");
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
  std::vector<agent::SensorSample> all;
  for (int i = 0; i < 5; ++i) {
    auto samples = (*sensor)->read(std::chrono::milliseconds(10));
    ASSERT_TRUE(samples.ok());
    all.insert(all.end(), samples->begin(), samples->end());
  }
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
