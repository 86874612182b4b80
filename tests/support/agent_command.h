// The command line that starts vitalsign-agent in a test: the agent built
// beside the test (VS_AGENT_BINARY), or, when $VS_TEST_AGENT is set, an
// agent built for another architecture after its emulator, words separated
// by spaces, the first a path: "/usr/bin/qemu-aarch64 -L /
// build/arm64/tools/vitalsign-agent" (scripts/cross_test.sh). The test
// harness, broker and gateway stay native; SIGKILL reaches the agent itself
// (qemu-user runs the guest in its own process).
#pragma once

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace vs::testing {

inline std::vector<std::string> agent_command(const std::vector<std::string>& args) {
  std::vector<std::string> command;
  const char* other = std::getenv("VS_TEST_AGENT");
  if (other != nullptr && *other != '\0') {
    std::istringstream words(other);
    for (std::string word; words >> word;) command.push_back(word);
  } else {
    command.push_back(VS_AGENT_BINARY);
  }
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

}  // namespace vs::testing
