#include "vs/agent/event_inbox_sensor.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "vs/platform/log.h"

namespace vs::agent {

using platform::log;
using platform::LogLevel;
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFileBytes = 1024;
constexpr std::size_t kMaxValue = 128;

struct EventName {
  proto::EventKind kind;
  std::string_view name;
};
constexpr EventName kEventNames[] = {
    {proto::EventKind::kConsentGranted, "consent_granted"},
    {proto::EventKind::kConsentRevoked, "consent_revoked"},
    {proto::EventKind::kEnrolment, "enrolment"},
    // The key's name in the board's key store (its text); the agent turns
    // it into the rotation event itself (Agent: the new key's public key).
    {proto::EventKind::kKeyRotation, "key_rotation"},
};

// Where each event of the inbox keeps its one value.
std::string& value_of(proto::Event& event) {
  switch (event.kind) {
    case proto::EventKind::kEnrolment:
      return event.subject;
    case proto::EventKind::kKeyRotation:
      return event.text;
    default:
      return event.recipient;
  }
}

Status check_value(std::string_view value) {
  if (value.empty() || value.size() > kMaxValue)
    return Error(ErrorCode::kMalformed, "the name must be 1 to 128 characters");
  for (char c : value) {
    if (c <= 0x20 || c > 0x7e)
      return Error(ErrorCode::kMalformed, "the name must be printable ASCII without spaces");
  }
  return {};
}

Result<std::string> read_small(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot read").about(path.string());
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes)
    return Error(ErrorCode::kMalformed, "larger than 1 KiB").about(path.string());
  return text;
}

}  // namespace

EventInboxSensor::EventInboxSensor(Sensor& board, fs::path directory,
                                   std::chrono::milliseconds poll_interval)
    : board_(board), directory_(std::move(directory)), poll_interval_(poll_interval) {}

std::string EventInboxSensor::format(const proto::Event& event) {
  for (const auto& [kind, name] : kEventNames) {
    if (kind != event.kind) continue;
    proto::Event copy = event;
    return std::string(name) + " " + value_of(copy) + "\n";
  }
  return {};
}

Result<proto::Event> EventInboxSensor::parse(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::size_t space = text.find(' ');
  if (space == std::string_view::npos)
    return Error(ErrorCode::kMalformed, "expected '<event> <name>' on one line");
  std::string_view name = text.substr(0, space);
  std::string_view value = text.substr(space + 1);
  for (const auto& known : kEventNames) {
    if (known.name != name) continue;
    VS_TRY(check_value(value));
    proto::Event event;
    event.kind = known.kind;
    value_of(event) = value;
    return event;
  }
  return Error(ErrorCode::kMalformed,
               "unknown event (consent_granted, consent_revoked, enrolment, key_rotation)")
      .about(std::string(name));
}

Status EventInboxSensor::drop(const fs::path& directory, const proto::Event& event) {
  std::string line = format(event);
  if (line.empty()) return Error(ErrorCode::kInvalidArgument, "not an event the inbox carries");
  VS_TRY(parse(line));  // the same checks the agent makes
  std::error_code error;
  fs::create_directories(directory, error);
  if (error)
    return Error(ErrorCode::kIo, "cannot make the inbox directory").about(directory.string());
  auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string name =
      std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()) + "-" +
      std::to_string(::getpid());
  fs::path temporary = directory / ("." + name + ".tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << line;
    if (!out.flush()) return Error(ErrorCode::kIo, "cannot write").about(temporary.string());
  }
  fs::rename(temporary, directory / (name + ".event"), error);
  if (error) return Error(ErrorCode::kIo, "cannot rename into the inbox").about(directory.string());
  return {};
}

Result<std::vector<SensorSample>> EventInboxSensor::take_events() {
  std::vector<SensorSample> out;
  std::error_code error;
  // What was handed over last time is committed now.
  for (const fs::path& taken : handed_over_) fs::remove(taken, error);
  handed_over_.clear();

  auto now = std::chrono::steady_clock::now();
  if (now < next_poll_) return out;
  next_poll_ = now + poll_interval_;
  bool redeliver = first_poll_;
  first_poll_ = false;
  fs::create_directories(directory_, error);
  std::vector<fs::path> files;
  for (fs::directory_iterator it(directory_, error), end; !error && it != end;
       it.increment(error)) {
    const fs::path& path = it->path();
    std::string name = path.filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (path.extension() == ".event" || (redeliver && path.extension() == ".taken"))
      files.push_back(path);
  }
  if (error) {
    log(LogLevel::kWarning, "event inbox " + directory_.string() + ": " + error.message());
    return out;
  }
  std::sort(files.begin(), files.end());  // names start with the time they were dropped
  for (const fs::path& path : files) {
    auto text = read_small(path);
    auto event = text ? parse(*text) : Result<proto::Event>(std::move(text).error());
    if (!event) {
      ++rejected_files_;
      log(LogLevel::kWarning,
          "event inbox: " + path.filename().string() + " rejected: " + event.error().message());
      fs::path rejected = path;
      fs::rename(path, rejected.replace_extension(".rejected"), error);
      continue;
    }
    fs::path taken = path;
    taken.replace_extension(".taken");
    if (path != taken) fs::rename(path, taken, error);
    if (error) {
      log(LogLevel::kWarning, "event inbox: cannot take " + path.string() + ": " + error.message());
      continue;
    }
    handed_over_.push_back(taken);
    out.emplace_back(std::move(event).value());
  }
  return out;
}

Result<std::vector<SensorSample>> EventInboxSensor::read(std::chrono::milliseconds timeout) {
  VS_TRY_ASSIGN(auto events, take_events());
  if (!events.empty()) return events;
  return board_.read(timeout);
}

SensorCounters EventInboxSensor::counters() const {
  SensorCounters counters = board_.counters();
  counters.malformed_frames += rejected_files_;
  return counters;
}

}  // namespace vs::agent
