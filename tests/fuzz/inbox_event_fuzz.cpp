// Outside bytes: a file anyone with access to the device dropped into the
// agent's event inbox. Promise: parsing never crashes, and an event it
// accepts writes back as a line that parses to the same event.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vs/agent/event_inbox_sensor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using vs::agent::EventInboxSensor;
  auto event = EventInboxSensor::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!event) return 0;
  auto again = EventInboxSensor::parse(EventInboxSensor::format(*event));
  if (!again || !(*again == *event)) __builtin_trap();
  return 0;
}
