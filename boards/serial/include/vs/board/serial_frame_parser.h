#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vs/agent/sensor.h"
#include "vs/platform/bytes.h"

namespace vs::board {

// The serial board's line protocol (README.md): `$<payload>*<crc>\n`, the
// CRC-16/CCITT-FALSE of the payload in four hex digits. Bytes arrive in any
// pieces; bad frames are counted by cause and skipped, never fatal.
class SerialFrameParser {
 public:
  static constexpr std::size_t kMaxLineBytes = 16 * 1024;

  struct Counters {
    std::uint64_t frames = 0;         // good frames
    std::uint64_t garbage_bytes = 0;  // bytes outside any frame
    std::uint64_t bad_checksum = 0;   // CRC mismatch (corruption or a truncated frame)
    std::uint64_t malformed = 0;      // framing, fields or values wrong
    std::uint64_t oversized = 0;      // longer than kMaxLineBytes
    std::string last_problem;
  };

  // Parses whatever complete frames `bytes` finishes; keeps the rest.
  std::vector<agent::SensorSample> feed(ByteView bytes);
  const Counters& counters() const { return counters_; }
  std::uint64_t bad_frames() const {
    return counters_.bad_checksum + counters_.malformed + counters_.oversized;
  }

  // Builds one frame: what the sensor emulator and tests send.
  static std::string frame(std::string_view payload);
  static std::uint16_t crc16(std::string_view payload);
  // The payload that carries a sample (V, W or E), or empty for an event the
  // line protocol has no word for.
  static std::string payload(const agent::SensorSample& sample);

 private:
  void line(std::string_view text);

  std::string buffer_;
  std::vector<agent::SensorSample>* samples_ = nullptr;  // feed()'s output, while in line()
  bool discarding_ = false;  // inside an oversized line, until its newline
  Counters counters_;
};

}  // namespace vs::board
