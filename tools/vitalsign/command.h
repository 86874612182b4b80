// One verb of the `vitalsign` command line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
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
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0, used = 0;
  std::string copy(text);
  int fields = std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour,
                           &minute, &second, &used);
  if (fields != 6 || used != 19) return std::nullopt;
  std::string_view rest = text.substr(19);
  if (rest.size() == 5 && rest[0] == '.') {
    auto fraction = parse_decimal(rest.substr(1, 3), 3);
    if (!fraction) return std::nullopt;
    millis = static_cast<int>(*fraction);
    rest.remove_prefix(4);
  }
  if (rest != "Z" || year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60)
    return std::nullopt;
  std::tm utc{};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  std::time_t seconds = timegm(&utc);
  if (seconds < 0) return std::nullopt;
  return static_cast<std::uint64_t>(seconds) * 1000 + static_cast<std::uint64_t>(millis);
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
