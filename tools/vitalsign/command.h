// One verb of the `vitalsign` command line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vs/platform/clock.h"

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

// A time as milliseconds since the Unix epoch: either that number, or
// RFC 3339 in UTC ("2026-11-22T10:00:00Z", optionally with .mmm).
inline std::optional<std::uint64_t> parse_time_ms(std::string_view text) {
  if (auto number = parse_decimal(text, 19)) return number;
  if (text.size() != 24 || text[19] != '.') return platform::parse_utc_text(text);
  auto fraction = parse_decimal(text.substr(20, 3), 3);
  auto seconds =
      platform::parse_utc_text(std::string(text.substr(0, 19)) + std::string(text.substr(23)));
  if (!fraction || !seconds) return std::nullopt;
  return *seconds + *fraction;
}

// A time for people: RFC 3339 UTC to the second.
inline std::string utc(std::uint64_t time_ms) {
  return platform::utc_text(time_ms);
}

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(std::span<const std::string_view> args);
};

int run_self_check(std::span<const std::string_view> args);
int run_keygen(std::span<const std::string_view> args);
int run_csr(std::span<const std::string_view> args);
int run_rotate_key(std::span<const std::string_view> args);
int run_chain(std::span<const std::string_view> args);
int run_enrol(std::span<const std::string_view> args);
int run_revoke(std::span<const std::string_view> args);
int run_devices(std::span<const std::string_view> args);
int run_proof(std::span<const std::string_view> args);
int run_verify(std::span<const std::string_view> args);
int run_status(std::span<const std::string_view> args);
int run_fhir(std::span<const std::string_view> args);
int run_access(std::span<const std::string_view> args);
int run_consent(std::span<const std::string_view> args);
int run_backup(std::span<const std::string_view> args);
int run_restore(std::span<const std::string_view> args);
int run_witness(std::span<const std::string_view> args);
int run_gateway_key(std::span<const std::string_view> args);

}  // namespace vs::tools
