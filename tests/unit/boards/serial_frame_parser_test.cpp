#include "vs/board/serial_frame_parser.h"

#include <gtest/gtest.h>

namespace vs::board {
namespace {

std::vector<agent::SensorSample> feed(SerialFrameParser& parser, const std::string& text) {
  return parser.feed(as_bytes(text));
}

TEST(SerialFrameParser, ReadsReadingsWaveformsAndEvents) {
  SerialFrameParser parser;
  std::string input = SerialFrameParser::frame("V,HR,72,0,0") +
                      SerialFrameParser::frame("V,TEMP,368,-1,0") +
                      SerialFrameParser::frame("W,ECG,250000,-3,4,12;-40;1190") +
                      SerialFrameParser::frame("E,CAL,spo2 probe");
  auto samples = feed(parser, input);
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(std::get<proto::Reading>(samples[0]),
            (proto::Reading{proto::VitalKind::kHeartRate, 72, 0, 0, 0, {}}));
  EXPECT_EQ(std::get<proto::Reading>(samples[1]).exponent, -1);
  const auto& ecg = std::get<proto::Reading>(samples[2]);
  EXPECT_EQ(ecg.samples, (std::vector<std::int32_t>{12, -40, 1190}));
  EXPECT_EQ(ecg.sample_rate_mhz, 250000u);
  EXPECT_EQ(ecg.quality, proto::kQualityMotionArtefact);
  EXPECT_EQ(std::get<proto::Event>(samples[3]).kind, proto::EventKind::kCalibration);
  EXPECT_EQ(std::get<proto::Event>(samples[3]).text, "spo2 probe");
  EXPECT_EQ(parser.counters().frames, 4u);
  EXPECT_EQ(parser.bad_frames(), 0u);
}

TEST(SerialFrameParser, FramesMaySplitAnywhere) {
  SerialFrameParser parser;
  std::string input =
      SerialFrameParser::frame("V,SPO2,97,0,0") + SerialFrameParser::frame("V,RR,14,0,0");
  std::size_t samples = 0;
  for (char c : input) samples += feed(parser, std::string(1, c)).size();
  EXPECT_EQ(samples, 2u);
}

TEST(SerialFrameParser, EveryBadFrameIsCountedByCauseAndSkipped) {
  SerialFrameParser parser;
  std::string good = SerialFrameParser::frame("V,HR,80,0,0");
  std::string corrupt = good;
  corrupt[5] = '9';  // HR 90 under HR 80's checksum
  std::string truncated = good.substr(0, good.size() - 7) + "\n";
  std::string input =
      "\x01\x02noise" + corrupt + truncated + SerialFrameParser::frame("V,XX,1,0,0") +
      SerialFrameParser::frame("V,HR,eighty,0,0") + SerialFrameParser::frame("Q,1") +
      "$V,HR,1,0,0*ZZZZ\n" + "$V,HR,7" + good + std::string(20000, 'A') + "\n" + good;
  auto samples = feed(parser, input);
  ASSERT_EQ(samples.size(), 2u);  // only the two good frames
  const auto& counters = parser.counters();
  EXPECT_EQ(counters.bad_checksum, 1u);
  EXPECT_EQ(counters.malformed,
            6u);  // truncated, unknown kind, bad number, unknown type, bad crc text, cut short
  EXPECT_GT(counters.garbage_bytes, 0u);
  EXPECT_EQ(counters.frames, 2u);
  EXPECT_EQ(parser.bad_frames(), 7u);
}

TEST(SerialFrameParser, OversizedLinesAreDroppedWhole) {
  SerialFrameParser parser;
  std::string input = "$" + std::string(SerialFrameParser::kMaxLineBytes + 10, '1') + "\n" +
                      SerialFrameParser::frame("V,HR,70,0,0");
  auto samples = feed(parser, input);
  EXPECT_EQ(samples.size(), 1u);
  EXPECT_EQ(parser.counters().oversized, 1u);
}

TEST(SerialFrameParser, APayloadMadeOfASampleParsesBackToIt) {
  proto::Reading temperature{
      proto::VitalKind::kBodyTemperature, 368, -1, proto::kQualityAlarm, 0, {}};
  proto::Reading ecg{proto::VitalKind::kEcg, 0, -3, 0, 250'000, {12, -40, 1190}};
  proto::Event calibration;
  calibration.kind = proto::EventKind::kCalibration;
  calibration.text = "spo2 probe";
  SerialFrameParser parser;
  std::string input;
  for (const agent::SensorSample& sample :
       std::vector<agent::SensorSample>{temperature, ecg, calibration})
    input += SerialFrameParser::frame(SerialFrameParser::payload(sample));
  auto samples = feed(parser, input);
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(std::get<proto::Reading>(samples[0]), temperature);
  EXPECT_EQ(std::get<proto::Reading>(samples[1]), ecg);
  EXPECT_EQ(std::get<proto::Event>(samples[2]).text, "spo2 probe");
  proto::Event consent;
  consent.kind = proto::EventKind::kConsentGranted;
  EXPECT_EQ(SerialFrameParser::payload(consent), "");  // no word for it on the line
}

TEST(SerialFrameParser, Crc16IsCcittFalse) {
  EXPECT_EQ(SerialFrameParser::crc16("123456789"), 0x29B1);  // the standard check value
}

}  // namespace
}  // namespace vs::board
