#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "vs/agent/sensor.h"

namespace vs::agent {

// The device's local interface for events a person gives it: consent
// granted or revoked for a recipient, the subject's pseudonym (enrolment),
// a key rotation (the new key's name; the agent makes the event itself).
// Each is one small text file in a directory ("consent_granted clinic-a"),
// dropped in atomically (`drop` writes a temporary name, then renames it to
// *.event). This wraps the board's sensor, so an event enters the chain
// through the same pipeline as a reading, with a seq and a signature.
// A file is renamed *.taken when handed over and removed at the next read,
// when the agent has committed what it was given; one still *.taken at
// start is handed over again: a consent recorded twice says the same thing,
// one lost would not. A malformed file is renamed *.rejected and counted.
class EventInboxSensor final : public Sensor {
 public:
  EventInboxSensor(Sensor& board, std::filesystem::path directory,
                   std::chrono::milliseconds poll_interval = std::chrono::milliseconds(500));

  Result<std::vector<SensorSample>> read(std::chrono::milliseconds timeout) override;
  SensorCounters counters() const override;

  // The one line a file holds, and back.
  static std::string format(const proto::Event& event);
  static Result<proto::Event> parse(std::string_view text);
  // Writes one event file into `directory` (made when missing).
  static Status drop(const std::filesystem::path& directory, const proto::Event& event);

 private:
  Result<std::vector<SensorSample>> take_events();

  Sensor& board_;
  std::filesystem::path directory_;
  std::chrono::milliseconds poll_interval_;
  std::chrono::steady_clock::time_point next_poll_{};
  std::vector<std::filesystem::path> handed_over_;
  std::uint64_t rejected_files_ = 0;
  bool first_poll_ = true;
};

}  // namespace vs::agent
