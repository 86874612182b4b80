// Outside bytes: a replay file's line, from whoever recorded or edited it.
// Promise: any line gives a reading or an error naming the reason; a reading
// never carries more samples than a block may, nor a waveform a zero rate.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vs/board/csv_replay_sensor.h"
#include "vs/proto/limits.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto row = vs::board::CsvReplaySensor::parse_line(line);
  if (!row) {
    if (row.error().reason() == nullptr || *row.error().reason() == '\0') __builtin_trap();
    return 0;
  }
  const auto& reading = row->reading;
  if (reading.samples.size() > vs::proto::kMaxWaveformSamples) __builtin_trap();
  if (!reading.samples.empty() && reading.sample_rate_mhz == 0) __builtin_trap();
  return 0;
}
