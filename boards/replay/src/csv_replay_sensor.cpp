#include "vs/board/csv_replay_sensor.h"

#include <charconv>
#include <string>
#include <thread>

#include "vs/platform/log.h"
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
  std::string_view fields[5];
  std::size_t count = 0;
  std::size_t start = 0;
  bool more = true;
  while (more && count < 5) {
    std::size_t comma = line.find(',', start);
    more = comma != std::string_view::npos;
    fields[count++] = line.substr(start, more ? comma - start : std::string_view::npos);
    start = comma + 1;
  }
  if (count != 5 || more) {
    return Error(ErrorCode::kMalformed,
                 "expected 5 fields: time_ms,kind,mantissa,exponent,quality");
  }
  Row row;
  if (!number(fields[0], row.time_ms))
    return Error(ErrorCode::kMalformed, "time_ms is not a whole number");
  std::string_view code = fields[1];
  while (!code.empty() && code.front() == ' ') code.remove_prefix(1);
  while (!code.empty() && code.back() == ' ') code.remove_suffix(1);
  auto kind = proto::vital_kind_from_code(code);
  if (!kind || *kind == proto::VitalKind::kEcg || *kind == proto::VitalKind::kPpg) {
    return Error(ErrorCode::kMalformed, "kind is not one of HR, SPO2, SYS, DIA, TEMP, RR");
  }
  row.reading.kind = *kind;
  if (!number(fields[2], row.reading.mantissa))
    return Error(ErrorCode::kMalformed, "mantissa is not an integer");
  if (!number(fields[3], row.reading.exponent) || row.reading.exponent < -9 ||
      row.reading.exponent > 9) {
    return Error(ErrorCode::kMalformed, "exponent is not an integer from -9 to 9");
  }
  if (!number(fields[4], row.reading.quality))
    return Error(ErrorCode::kMalformed, "quality is not a whole number");
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
      platform::log(platform::LogLevel::kWarning, path_.string() + ":" +
                                                      std::to_string(line_number_) + ": " +
                                                      row.error().reason() + "; line skipped");
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
