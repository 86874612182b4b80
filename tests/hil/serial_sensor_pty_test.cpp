// The real serial driver against a pseudo-terminal: frames written to the
// master come out of SerialSensor::read, garbage is counted, and a vanished
// device is reopened.
#include "vs/board/serial_sensor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "temp_dir.h"

namespace vs::board {
namespace {

using namespace std::chrono_literals;

// A pty whose slave is reachable through a stable link, like /dev/serial/by-id.
class Pty {
 public:
  explicit Pty(const std::filesystem::path& link) : link_(link) { open(); }
  ~Pty() { close(); }
  void open() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    ::grantpt(master_);
    ::unlockpt(master_);
    std::filesystem::remove(link_);
    std::filesystem::create_symlink(::ptsname(master_), link_);
  }
  void close() {
    if (master_ >= 0) ::close(master_);
    master_ = -1;
  }
  void write(const std::string& text) {
    ASSERT_EQ(::write(master_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }

 private:
  std::filesystem::path link_;
  int master_ = -1;
};

std::vector<agent::SensorSample> read_until(SerialSensor& sensor, std::size_t count) {
  std::vector<agent::SensorSample> all;
  for (int i = 0; i < 50 && all.size() < count; ++i) {
    auto samples = sensor.read(100ms);
    EXPECT_TRUE(samples.ok());
    all.insert(all.end(), samples->begin(), samples->end());
  }
  return all;
}

TEST(SerialSensorPty, ReadsFramesAndCountsGarbage) {
  vs::testing::TempDir dir;
  Pty pty(dir.path() / "tty");
  SerialSensor sensor((dir.path() / "tty").string(), 115200);
  EXPECT_TRUE(sensor.read(10ms).ok());  // opens the device
  pty.write("line noise\n" + SerialFrameParser::frame("V,HR,72,0,0") + "$V,HR,1,0,0*0000\n" +
            SerialFrameParser::frame("V,SPO2,98,0,0"));
  auto samples = read_until(sensor, 2);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(std::get<proto::Reading>(samples[1]).mantissa, 98);
  EXPECT_EQ(sensor.counters().malformed_frames, 1u);
}

TEST(SerialSensorPty, AVanishedDeviceIsReopened) {
  vs::testing::TempDir dir;
  Pty pty(dir.path() / "tty");
  SerialSensor sensor((dir.path() / "tty").string(), 115200);
  EXPECT_TRUE(sensor.read(10ms).ok());
  pty.write(SerialFrameParser::frame("V,HR,70,0,0"));
  ASSERT_EQ(read_until(sensor, 1).size(), 1u);
  pty.close();                          // unplugged
  EXPECT_TRUE(sensor.read(50ms).ok());  // not fatal
  pty.open();                           // plugged in again
  std::vector<agent::SensorSample> samples;
  for (int i = 0; i < 50 && samples.empty(); ++i) {
    pty.write(SerialFrameParser::frame("V,HR,71,0,0"));
    auto read = sensor.read(100ms);
    ASSERT_TRUE(read.ok());
    samples = *read;
  }
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(std::get<proto::Reading>(samples[0]).mantissa, 71);
  EXPECT_EQ(sensor.counters().reconnects, 1u);
}

}  // namespace
}  // namespace vs::board
