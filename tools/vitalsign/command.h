// One verb of the `vitalsign` command line.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
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

// A decimal number of at most `max_digits` digits, or nothing.
inline std::optional<std::uint64_t> parse_decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits ||
      text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::stoull(std::string(text));
}

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
