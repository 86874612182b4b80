#include "vs/board/serial_frame_parser.h"

#include "vs/proto/vital_kinds.h"

#include <charconv>
#include <cstdio>
#include <map>

namespace vs::board {
namespace {

const std::map<std::string_view, proto::EventKind> kEvents{
    {"CAL", proto::EventKind::kCalibration},
    {"TAMPER", proto::EventKind::kTamper},
    {"FW", proto::EventKind::kFirmwareChange},
};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = text.find(separator, start);
    parts.push_back(
        text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

template <typename T>
bool number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::uint16_t SerialFrameParser::crc16(std::string_view payload) {
  std::uint16_t crc = 0xffff;
  for (char c : payload) {
    crc = static_cast<std::uint16_t>(crc ^ (static_cast<std::uint8_t>(c) << 8));
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
  }
  return crc;
}

std::string SerialFrameParser::frame(std::string_view payload) {
  char crc[5];
  std::snprintf(crc, sizeof crc, "%04X", crc16(payload));
  std::string text;
  text.reserve(payload.size() + 7);
  text += '$';
  text += payload;
  text += '*';
  text += crc;
  text += '\n';
  return text;
}

std::string SerialFrameParser::payload(const agent::SensorSample& sample) {
  if (const auto* event = std::get_if<proto::Event>(&sample)) {
    for (const auto& [word, kind] : kEvents)
      if (kind == event->kind) return "E," + std::string(word) + "," + event->text;
    return {};
  }
  const auto& reading = std::get<proto::Reading>(sample);
  std::string_view code;
  for (const auto& info : proto::kVitalKinds)
    if (info.kind == reading.kind) code = info.code;
  if (code.empty()) return {};
  auto fields = std::string(code) + ",";
  if (reading.samples.empty()) {
    return "V," + fields + std::to_string(reading.mantissa) + "," +
           std::to_string(reading.exponent) + "," + std::to_string(reading.quality);
  }
  std::string text = "W," + fields + std::to_string(reading.sample_rate_mhz) + "," +
                     std::to_string(reading.exponent) + "," + std::to_string(reading.quality) + ",";
  // Appended, not `const char* + std::string&&`: that trips GCC 12's
  // -Wrestrict at -O3 (a false positive), here and in frame().
  for (std::size_t i = 0; i < reading.samples.size(); ++i) {
    if (i > 0) text += ';';
    text += std::to_string(reading.samples[i]);
  }
  return text;
}

std::vector<agent::SensorSample> SerialFrameParser::feed(ByteView bytes) {
  std::vector<agent::SensorSample> out;
  for (std::uint8_t byte : bytes) {
    char c = static_cast<char>(byte);
    if (c == '\n') {
      if (discarding_) {
        discarding_ = false;
      } else if (!buffer_.empty()) {
        std::string text = std::move(buffer_);
        buffer_.clear();
        if (!text.empty() && text.back() == '\r') text.pop_back();
        samples_ = &out;
        line(text);
        samples_ = nullptr;
      }
      continue;
    }
    if (discarding_) continue;
    if (buffer_.empty() && c != '$') {
      ++counters_.garbage_bytes;  // noise between frames
      continue;
    }
    if (c == '$' && !buffer_.empty()) {
      // A new frame starts inside one that never ended: the old one was cut.
      ++counters_.malformed;
      counters_.last_problem = "frame cut short by the next frame";
      buffer_.clear();
    }
    if (buffer_.size() >= kMaxLineBytes) {
      ++counters_.oversized;
      counters_.last_problem = "frame longer than 16 KiB";
      buffer_.clear();
      discarding_ = true;
      continue;
    }
    buffer_.push_back(c);
  }
  return out;
}

void SerialFrameParser::line(std::string_view text) {
  auto bad = [&](const char* why) {
    ++counters_.malformed;
    counters_.last_problem = why;
  };
  std::size_t star = text.rfind('*');
  if (text.size() < 2 || text[0] != '$' || star == std::string_view::npos ||
      text.size() - star != 5) {
    return bad("frame is not $<payload>*<crc4>");
  }
  std::string_view payload = text.substr(1, star - 1);
  std::uint16_t crc = 0;
  auto [end, error] = std::from_chars(text.data() + star + 1, text.data() + text.size(), crc, 16);
  if (error != std::errc() || end != text.data() + text.size())
    return bad("checksum is not four hex digits");
  if (crc != crc16(payload)) {
    ++counters_.bad_checksum;
    counters_.last_problem = "checksum does not match (corrupt or truncated frame)";
    return;
  }
  auto fields = split(payload, ',');
  if (fields[0] == "V" && fields.size() == 5) {
    auto kind = proto::vital_kind_from_code(fields[1]);
    proto::Reading reading;
    if (!kind) return bad("unknown vital kind");
    reading.kind = *kind;
    if (!number(fields[2], reading.mantissa) || !number(fields[3], reading.exponent) ||
        !number(fields[4], reading.quality) || reading.exponent < -9 || reading.exponent > 9) {
      return bad("reading fields are not numbers in range");
    }
    ++counters_.frames;
    samples_->push_back(reading);
    return;
  }
  if (fields[0] == "W" && fields.size() == 6) {
    auto kind = proto::vital_kind_from_code(fields[1]);
    if (!kind) return bad("unknown vital kind");
    proto::Reading reading;
    reading.kind = *kind;
    if (!number(fields[2], reading.sample_rate_mhz) || reading.sample_rate_mhz == 0 ||
        !number(fields[3], reading.exponent) || !number(fields[4], reading.quality)) {
      return bad("waveform fields are not numbers in range");
    }
    for (std::string_view sample : split(fields[5], ';')) {
      std::int32_t value = 0;
      if (!number(sample, value)) return bad("waveform sample is not a number");
      reading.samples.push_back(value);
      if (reading.samples.size() > 2048) return bad("waveform has more than 2048 samples");
    }
    ++counters_.frames;
    samples_->push_back(reading);
    return;
  }
  if (fields[0] == "E" && fields.size() == 3) {
    auto kind = kEvents.find(fields[1]);
    if (kind == kEvents.end()) return bad("unknown event");
    if (fields[2].size() > 128) return bad("event text is longer than 128 bytes");
    for (char c : fields[2]) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
        return bad("event text is not printable ASCII");
    }
    proto::Event event;
    event.kind = kind->second;
    event.text = std::string(fields[2]);
    ++counters_.frames;
    samples_->push_back(event);
    return;
  }
  bad("unknown frame type or wrong field count");
}

}  // namespace vs::board
