// Outside bytes: one Entry inside a block. Promise: decoding is bounded, what
// decodes is canonical (encoding it again gives the same bytes), and the
// outcome does not depend on what the decoder read before (it reuses its
// wire struct between calls): the input is decoded after a full waveform
// and after an event, and both outcomes must be the same. Conversely, the
// same bytes read as the fields of a valid entry: what the encoder writes
// for it must decode back to it (the canonical-form rules are not stricter
// than the encoder).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

namespace {

using vs::proto::WireCodec;

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

// Reads fields from the fuzz input, zeros when it runs out.
class FieldSource {
 public:
  explicit FieldSource(vs::ByteView input) : input_(input) {}
  template <typename T>
  T next() {
    using Unsigned = std::make_unsigned_t<T>;
    Unsigned value = 0;
    for (std::size_t i = 0; i < sizeof(T) && at_ < input_.size(); ++i, ++at_)
      value = static_cast<Unsigned>(value | static_cast<Unsigned>(input_[at_]) << (8 * i));
    return static_cast<T>(value);
  }
  std::string text(std::size_t most) {
    std::string out;
    for (std::size_t n = next<std::uint8_t>() % (most + 1); n > 0; --n)
      out.push_back(static_cast<char>('a' + next<std::uint8_t>() % 26));
    return out;
  }

 private:
  vs::ByteView input_;
  std::size_t at_ = 0;
};

vs::proto::Entry entry_from(FieldSource& source) {
  vs::proto::Entry entry;
  entry.seq = source.next<std::uint64_t>();
  entry.time_ms = source.next<std::uint64_t>();
  if (source.next<std::uint8_t>() % 2 == 0) {
    vs::proto::Reading reading;
    reading.kind = static_cast<vs::proto::VitalKind>(1 + source.next<std::uint8_t>() %
                                                             vs::proto::kMaxVitalKind);
    reading.mantissa = source.next<std::int64_t>();
    reading.exponent = source.next<std::int32_t>();
    reading.quality = source.next<std::uint32_t>();
    std::size_t samples = source.next<std::uint16_t>() % (vs::proto::kMaxWaveformSamples + 1);
    if (samples > 0) reading.sample_rate_mhz = source.next<std::uint32_t>() | 1;
    for (std::size_t i = 0; i < samples; ++i)
      reading.samples.push_back(source.next<std::int32_t>());
    entry.body = reading;
  } else {
    vs::proto::Event event;
    event.kind = static_cast<vs::proto::EventKind>(1 + source.next<std::uint8_t>() %
                                                           vs::proto::kMaxEventKind);
    event.subject = source.text(64);
    event.recipient = source.text(128);
    for (std::size_t n = source.next<std::uint8_t>() % 161; n > 0; --n)
      event.public_key.push_back(source.next<std::uint8_t>());
    event.key_index = source.next<std::uint32_t>();
    event.delta_ms = source.next<std::int64_t>();
    event.count = source.next<std::uint64_t>();
    event.text = source.text(128);
    event.vital = static_cast<vs::proto::VitalKind>(source.next<std::uint8_t>() %
                                                    (vs::proto::kMaxVitalKind + 1));
    entry.body = event;
  }
  return entry;
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

  FieldSource source(input);
  vs::proto::Entry built = entry_from(source);
  auto bytes = WireCodec::encode(built);
  if (!bytes) __builtin_trap();
  auto back = WireCodec::decode_entry(*bytes);
  if (!back || !(*back == built)) __builtin_trap();
  return 0;
}
