// One verb of the `vitalsign` command line.
#pragma once

#include <span>
#include <string_view>

namespace vs::tools {

// Exit codes shared by every verb, so scripts can branch on them.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,       // the check or operation ran and said no
  kExitUsage = 2,        // bad command line
  kExitInput = 3,        // bad input file or data
  kExitEnvironment = 4,  // missing file, permission, I/O
};

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(std::span<const std::string_view> args);
};

int run_self_check(std::span<const std::string_view> args);
int run_keygen(std::span<const std::string_view> args);
int run_chain(std::span<const std::string_view> args);
int run_enrol(std::span<const std::string_view> args);
int run_revoke(std::span<const std::string_view> args);
int run_devices(std::span<const std::string_view> args);
int run_proof(std::span<const std::string_view> args);
int run_verify(std::span<const std::string_view> args);
int run_status(std::span<const std::string_view> args);

}  // namespace vs::tools
