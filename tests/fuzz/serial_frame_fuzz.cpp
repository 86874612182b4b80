// Outside bytes: whatever a serial sensor (or a broken cable) sends. Promise:
// the parser never crashes, never returns a sample from a bad frame, and
// accounts every frame it sees.
#include <cstddef>
#include <cstdint>

#include "vs/board/serial_frame_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vs::board::SerialFrameParser parser;
  // Feed in two pieces so frames also split across calls.
  std::size_t half = size / 2;
  auto first = parser.feed(vs::ByteView(data, half));
  auto second = parser.feed(vs::ByteView(data + half, size - half));
  if (first.size() + second.size() != parser.counters().frames) __builtin_trap();
  return 0;
}
