// Outside bytes: one Entry inside a block. Promise: decoding is bounded, what
// decodes is canonical (encoding it again gives the same bytes), and the
// outcome does not depend on what the decoder read before (it reuses its
// wire struct between calls): the input is decoded after a full waveform
// and after an event, and both outcomes must be the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "vs/platform/wire_codec.h"
#include "vs/proto/limits.h"

namespace {

using vs::platform::WireCodec;

vs::Bytes encoded(vs::proto::Entry entry) {
  return WireCodec::encode(entry).value();
}

const vs::Bytes& full_waveform() {
  static const vs::Bytes bytes = [] {
    vs::proto::Reading reading;
    reading.kind = vs::proto::VitalKind::kEcg;
    reading.mantissa = -7;
    reading.exponent = -3;
    reading.quality = 4;
    reading.sample_rate_mhz = 250'000;
    reading.samples.assign(vs::proto::kMaxWaveformSamples, -12345);
    return encoded({.seq = 9, .time_ms = 99, .body = reading});
  }();
  return bytes;
}

const vs::Bytes& event() {
  static const vs::Bytes bytes = [] {
    vs::proto::Event event;
    event.kind = vs::proto::EventKind::kConsentGranted;
    event.recipient = "clinic-a";
    event.text = "stale text";
    return encoded({.seq = 8, .time_ms = 88, .body = event});
  }();
  return bytes;
}

std::string outcome(vs::ByteView input) {
  auto entry = WireCodec::decode_entry(input);
  if (!entry) return std::string("error: ") + entry.error().reason();
  auto again = WireCodec::encode(*entry);
  if (!again || !vs::equal(*again, input)) __builtin_trap();
  return std::string(again->begin(), again->end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vs::ByteView input(data, size);
  if (!WireCodec::decode_entry(full_waveform())) __builtin_trap();
  std::string after_waveform = outcome(input);
  if (!WireCodec::decode_entry(event())) __builtin_trap();
  if (outcome(input) != after_waveform) __builtin_trap();
  return 0;
}
