#include "vs/agent/event_inbox_sensor.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fakes/scripted_sensor.h"
#include "temp_dir.h"

namespace vs::agent {
namespace {

using std::chrono::milliseconds;

proto::Event consent(proto::EventKind kind, const std::string& recipient) {
  proto::Event event;
  event.kind = kind;
  event.recipient = recipient;
  return event;
}

std::size_t files_with(const std::filesystem::path& dir, const std::string& extension) {
  std::size_t count = 0;
  for (const auto& item : std::filesystem::directory_iterator(dir))
    count += item.path().extension() == extension;
  return count;
}

TEST(EventInboxSensor, EventsDroppedByTheToolComeOutInOrderBeforeReadings) {
  testing::TempDir dir;
  testing::ScriptedSensor board;
  board.add_readings(2);
  auto inbox = dir.path() / "inbox";
  proto::Event subject;
  subject.kind = proto::EventKind::kEnrolment;
  subject.subject = "subject-7f3a";
  ASSERT_TRUE(EventInboxSensor::drop(inbox, subject).ok());
  ASSERT_TRUE(
      EventInboxSensor::drop(inbox, consent(proto::EventKind::kConsentGranted, "clinic-a")).ok());
  EventInboxSensor sensor(board, inbox, milliseconds(0));

  auto first = sensor.read(milliseconds(0)).value();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(std::get<proto::Event>(first[0]), subject);
  EXPECT_EQ(std::get<proto::Event>(first[1]),
            consent(proto::EventKind::kConsentGranted, "clinic-a"));
  EXPECT_EQ(files_with(inbox, ".taken"), 2u);  // held until the agent has committed them
  auto second = sensor.read(milliseconds(0)).value();
  ASSERT_EQ(second.size(), 2u);  // the board's readings
  EXPECT_TRUE(std::holds_alternative<proto::Reading>(second[0]));
  EXPECT_EQ(files_with(inbox, ".taken"), 0u);  // committed: gone
}

TEST(EventInboxSensor, AnEventTakenBeforeACrashIsHandedOverAgainAtStart) {
  testing::TempDir dir;
  testing::ScriptedSensor board;
  auto inbox = dir.path() / "inbox";
  auto revoke = consent(proto::EventKind::kConsentRevoked, "clinic-a");
  ASSERT_TRUE(EventInboxSensor::drop(inbox, revoke).ok());
  {
    EventInboxSensor crashed(board, inbox, milliseconds(0));
    ASSERT_EQ(crashed.read(milliseconds(0)).value().size(), 1u);
  }  // killed before the next read: the file stays *.taken
  EventInboxSensor restarted(board, inbox, milliseconds(0));
  auto again = restarted.read(milliseconds(0)).value();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(std::get<proto::Event>(again[0]), revoke);
  EXPECT_EQ(restarted.read(milliseconds(0)).value().size(), 0u);  // once per start
}

TEST(EventInboxSensor, AMalformedFileIsSetAsideAndCountedNeverFatal) {
  testing::TempDir dir;
  testing::ScriptedSensor board;
  auto inbox = dir.path() / "inbox";
  std::filesystem::create_directories(inbox);
  std::ofstream(inbox / "1-bad.event") << "consent_granted has spaces in it\n";
  std::ofstream(inbox / "2-bad.event") << "delete_everything now\n";
  std::ofstream(inbox / "3-bad.event") << std::string(4096, 'x');
  ASSERT_TRUE(
      EventInboxSensor::drop(inbox, consent(proto::EventKind::kConsentGranted, "clinic-b")).ok());
  EventInboxSensor sensor(board, inbox, milliseconds(0));
  auto events = sensor.read(milliseconds(0)).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<proto::Event>(events[0]).recipient, "clinic-b");
  EXPECT_EQ(sensor.counters().malformed_frames, 3u);
  EXPECT_EQ(files_with(inbox, ".rejected"), 3u);
}

TEST(EventInboxSensor, TheToolRefusesNamesTheAgentWouldReject) {
  testing::TempDir dir;
  for (const char* bad : {"", "two words", "line\nbreak"}) {
    auto dropped =
        EventInboxSensor::drop(dir.path(), consent(proto::EventKind::kConsentGranted, bad));
    EXPECT_FALSE(dropped.ok()) << bad;
  }
  EXPECT_FALSE(EventInboxSensor::drop(dir.path(), proto::Event{}).ok());  // not an inbox event
  auto parsed = EventInboxSensor::parse("enrolment subject-1\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->subject, "subject-1");
  EXPECT_EQ(EventInboxSensor::format(*parsed), "enrolment subject-1\n");
}

}  // namespace
}  // namespace vs::agent
