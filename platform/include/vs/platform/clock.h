#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace vs::platform {

// Two clocks, kept apart on purpose: wall time stamps readings (it can jump
// when the device's clock is set), steady time drives timers (it cannot).
class Clock {
 public:
  virtual ~Clock() = default;
  // UTC, milliseconds since the Unix epoch.
  virtual std::uint64_t wall_ms() const = 0;
  virtual std::chrono::steady_clock::time_point steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::uint64_t wall_ms() const override {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  }
  std::chrono::steady_clock::time_point steady() const override {
    return std::chrono::steady_clock::now();
  }
};

// A wall time for people and files: RFC 3339 in UTC, to the second
// ("2026-11-22T10:00:00Z").
inline std::string utc_text(std::uint64_t time_ms) {
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

// The reverse of utc_text: exactly "YYYY-MM-DDTHH:MM:SSZ", a real date and
// time of day, from 1970; nullopt for anything else.
inline std::optional<std::uint64_t> parse_utc_text(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  auto number = [&](std::size_t at, std::size_t digits) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = at; i < at + digits; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *year < 1970 || *hour > 23 ||
      *minute > 59 || *second > 59)
    return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(*year),
                                   std::chrono::month(static_cast<unsigned>(*month)),
                                   std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  auto days = std::chrono::sys_days(date).time_since_epoch().count();
  auto seconds = static_cast<std::uint64_t>(days) * 86'400u +
                 static_cast<std::uint64_t>(*hour * 3600 + *minute * 60 + *second);
  return seconds * 1000u;
}

}  // namespace vs::platform
