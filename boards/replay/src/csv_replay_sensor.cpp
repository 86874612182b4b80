#include "vs/board/csv_replay_sensor.h"

#include <charconv>
#include <string>
#include <thread>

#include "vs/platform/log.h"
#include "vs/proto/limits.h"
#include "vs/proto/vital_kinds.h"

namespace vs::board {
namespace {

template <typename T>
bool number(std::string_view text, T& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<CsvReplaySensor::Row> CsvReplaySensor::parse_line(std::string_view line) {
  std::string_view fields[6];
  std::size_t count = 0;
  std::size_t start = 0;
  bool more = true;
  while (more && count < 6) {
    std::size_t comma = line.find(',', start);
    more = comma != std::string_view::npos;
    fields[count++] = line.substr(start, more ? comma - start : std::string_view::npos);
    start = comma + 1;
  }
  if ((count != 5 && count != 6) || more) {
    return Error(ErrorCode::kMalformed,
                 "expected 5 fields (time_ms,kind,mantissa,exponent,quality) or a waveform's 6 "
                 "(time_ms,kind,rate_mhz,exponent,quality,samples)");
  }
  Row row;
  if (!number(fields[0], row.time_ms))
    return Error(ErrorCode::kMalformed, "time_ms is not a whole number");
  std::string_view code = fields[1];
  while (!code.empty() && code.front() == ' ') code.remove_prefix(1);
  while (!code.empty() && code.back() == ' ') code.remove_suffix(1);
  auto kind = proto::vital_kind_from_code(code);
  bool waveform = kind && (*kind == proto::VitalKind::kEcg || *kind == proto::VitalKind::kPpg);
  if (count == 5 && (!kind || waveform)) {
    return Error(ErrorCode::kMalformed, "kind is not one of HR, SPO2, SYS, DIA, TEMP, RR");
  }
  if (count == 6 && !waveform) {
    return Error(ErrorCode::kMalformed, "a line of 6 fields is a waveform: kind ECG or PPG");
  }
  row.reading.kind = *kind;
  if (waveform) {
    if (!number(fields[2], row.reading.sample_rate_mhz) || row.reading.sample_rate_mhz == 0)
      return Error(ErrorCode::kMalformed, "rate_mhz is not a whole number above 0");
  } else if (!number(fields[2], row.reading.mantissa)) {
    return Error(ErrorCode::kMalformed, "mantissa is not an integer");
  }
  if (!number(fields[3], row.reading.exponent) || row.reading.exponent < -9 ||
      row.reading.exponent > 9) {
    return Error(ErrorCode::kMalformed, "exponent is not an integer from -9 to 9");
  }
  if (!number(fields[4], row.reading.quality))
    return Error(ErrorCode::kMalformed, "quality is not a whole number");
  if (waveform) {
    std::string_view samples = fields[5];
    for (std::size_t from = 0;;) {
      std::size_t semicolon = samples.find(';', from);
      std::int32_t value = 0;
      if (!number(samples.substr(
                      from, semicolon == std::string_view::npos ? semicolon : semicolon - from),
                  value)) {
        return Error(ErrorCode::kMalformed, "is not a 32-bit integer")
            .about("sample " + std::to_string(row.reading.samples.size() + 1));
      }
      static_assert(proto::kMaxWaveformSamples == 2048, "the message below says 2048");
      if (row.reading.samples.size() == proto::kMaxWaveformSamples) {
        return Error(ErrorCode::kMalformed, "a waveform has at most 2048 samples");
      }
      row.reading.samples.push_back(value);
      if (semicolon == std::string_view::npos) break;
      from = semicolon + 1;
    }
  }
  return row;
}

CsvReplaySensor::CsvReplaySensor(std::filesystem::path file, const platform::Clock& clock,
                                 double speed, bool loop)
    : path_(std::move(file)),
      in_(path_),
      clock_(clock),
      speed_(speed),
      loop_(loop),
      started_(clock.steady()) {}

Result<std::unique_ptr<CsvReplaySensor>> CsvReplaySensor::open(const std::filesystem::path& file,
                                                               const platform::Clock& clock,
                                                               double speed, bool loop) {
  std::unique_ptr<CsvReplaySensor> sensor(new CsvReplaySensor(file, clock, speed, loop));
  if (!sensor->in_)
    return Error(ErrorCode::kNotFound, "cannot read the replay file").about(file.string());
  return sensor;
}

std::optional<CsvReplaySensor::Row> CsvReplaySensor::next_row() {
  std::string line;
  for (;;) {
    if (!std::getline(in_, line)) {
      if (!loop_ || line_number_ == 0) return std::nullopt;
      in_.clear();
      in_.seekg(0);
      line_number_ = 0;
      first_time_ms_.reset();  // the next pass starts now
      started_ = clock_.steady();
      continue;
    }
    ++line_number_;
    if (line.empty() || line[0] == '#' || line.rfind("time_ms", 0) == 0)
      continue;  // blank, comment, header
    auto row = parse_line(line);
    if (!row) {
      ++counters_.malformed_frames;
      const Error& error = row.error();
      platform::log(platform::LogLevel::kWarning,
                    path_.string() + ":" + std::to_string(line_number_) + ": " +
                        (error.subject().empty() ? "" : error.subject() + ": ") + error.reason() +
                        "; line skipped");
      continue;
    }
    return std::move(row).value();
  }
}

Result<std::vector<agent::SensorSample>> CsvReplaySensor::read(std::chrono::milliseconds timeout) {
  std::vector<agent::SensorSample> samples;
  auto deadline = clock_.steady() + timeout;
  while (!finished_) {
    if (!pending_) {
      pending_ = next_row();
      if (!pending_) {
        finished_ = true;
        platform::log(platform::LogLevel::kInfo, "replay finished: " + path_.string());
        break;
      }
      if (!first_time_ms_) first_time_ms_ = pending_->time_ms;
    }
    if (speed_ > 0) {
      double offset_ms =
          static_cast<double>(pending_->time_ms - std::min(pending_->time_ms, *first_time_ms_)) /
          speed_;
      auto due = started_ + std::chrono::microseconds(static_cast<std::int64_t>(offset_ms * 1000));
      if (due > clock_.steady()) {
        if (!samples.empty() || due > deadline) {
          if (samples.empty()) std::this_thread::sleep_until(deadline);
          break;
        }
        std::this_thread::sleep_until(due);
      }
    }
    samples.push_back(pending_->reading);
    pending_.reset();
    if (speed_ <= 0 && samples.size() >= 256) break;
  }
  // A finished replay waits like an idle sensor: returning at once would
  // spin the agent's loop while it keeps serving its uplink.
  if (finished_ && samples.empty()) std::this_thread::sleep_until(deadline);
  counters_.samples += samples.size();
  return samples;
}

}  // namespace vs::board
