// consent: hands a consent or enrolment event to the agent on this device,
// through its event inbox (events.inbox_dir), to be recorded in its chain.
#include <cstdio>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "vs/agent/event_inbox_sensor.h"

namespace vs::tools {

int run_consent(std::span<const std::string_view> args) {
  const char* help =
      "usage: vitalsign consent grant RECIPIENT --inbox DIR\n"
      "       vitalsign consent revoke RECIPIENT --inbox DIR\n"
      "       vitalsign consent subject PSEUDONYM --inbox DIR\n\n"
      "Hands an event to the agent on this device through its inbox (the agent's\n"
      "events.inbox_dir); the agent records it in the device's chain like a reading,\n"
      "with a seq and a signature, usually within a second. A grant lets RECIPIENT have\n"
      "the readings taken from then on (`vitalsign fhir export --recipient`) until a\n"
      "revoke; `subject` enrols the opaque pseudonym the readings belong to. Names are\n"
      "1 to 128 printable ASCII characters without spaces; never a person's name.\n";
  if (args.empty() || args[0] == "--help") {
    std::printf("%s", help);
    return args.empty() ? kExitUsage : kExitOk;
  }
  proto::Event event;
  if (args[0] == "grant") {
    event.kind = proto::EventKind::kConsentGranted;
  } else if (args[0] == "revoke") {
    event.kind = proto::EventKind::kConsentRevoked;
  } else if (args[0] == "subject") {
    event.kind = proto::EventKind::kEnrolment;
  } else {
    std::fprintf(stderr, "vitalsign consent: unknown action '%.*s' (grant, revoke, subject)\n",
                 static_cast<int>(args[0].size()), args[0].data());
    return kExitUsage;
  }
  std::string name, inbox;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help") {
      std::printf("%s", help);
      return kExitOk;
    } else if (args[i] == "--inbox" && i + 1 < args.size()) {
      inbox = args[++i];
    } else if (name.empty() && !args[i].starts_with("--")) {
      name = args[i];
    } else {
      std::fprintf(stderr, "vitalsign consent: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  if (name.empty() || inbox.empty()) {
    std::fprintf(stderr, "vitalsign consent %.*s: a name and --inbox are required (see --help)\n",
                 static_cast<int>(args[0].size()), args[0].data());
    return kExitUsage;
  }
  (event.kind == proto::EventKind::kEnrolment ? event.subject : event.recipient) = name;
  if (Status dropped = agent::EventInboxSensor::drop(inbox, event); !dropped)
    return complain("consent", dropped.error());
  std::string line = agent::EventInboxSensor::format(event);
  line.pop_back();  // its newline
  std::printf("'%s' queued for the agent in %s\n", line.c_str(), inbox.c_str());
  return kExitOk;
}

}  // namespace vs::tools
