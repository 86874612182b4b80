#pragma once

#include <chrono>
#include <string>

#include "vs/agent/sensor.h"
#include "vs/board/serial_frame_parser.h"

namespace vs::board {

// A sensor on a tty speaking the serial line protocol. A missing or vanished
// device is reopened with backoff; the agent keeps running meanwhile.
class SerialSensor final : public agent::Sensor {
 public:
  SerialSensor(std::string device_path, int baud);
  ~SerialSensor() override;
  SerialSensor(const SerialSensor&) = delete;
  SerialSensor& operator=(const SerialSensor&) = delete;

  Result<std::vector<agent::SensorSample>> read(std::chrono::milliseconds timeout) override;
  agent::SensorCounters counters() const override;
  const SerialFrameParser::Counters& frame_counters() const { return parser_.counters(); }

 private:
  bool open_device();
  void close_device();

  std::string path_;
  int baud_;
  int fd_ = -1;
  bool ever_opened_ = false;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{100};
  std::uint64_t reconnects_ = 0;
  std::uint64_t samples_ = 0;
  SerialFrameParser parser_;
};

}  // namespace vs::board
