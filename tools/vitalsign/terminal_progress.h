// Progress of a verb that may run for minutes, on a terminal only:
//   "verifying blocks: 1200 / 5000 (24%), 830/s, 5 s left"
// redrawn in place on stderr at most five times a second. When stderr is not
// a terminal (a pipe, a log, CI) nothing is written, so output stays clean.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace vs::tools {

class TerminalProgress {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TerminalProgress(std::string what, bool enabled = ::isatty(STDERR_FILENO) != 0)
      : what_(std::move(what)), enabled_(enabled), started_(Clock::now()) {}
  ~TerminalProgress() { finish(); }
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  // `total` unknown: the count and the rate, no share or time left.
  void update(std::uint64_t done, std::optional<std::uint64_t> total = std::nullopt) {
    done_ = done;
    total_ = total;
    if (!enabled_) return;
    auto now = Clock::now();
    if (drawn_ && now - last_drawn_ < std::chrono::milliseconds(200)) return;
    draw(now);
  }
  // The last state, and a newline (once; also on destruction).
  void finish() {
    if (!enabled_ || finished_) return;
    finished_ = true;
    draw(Clock::now());
    std::fputc('\n', stderr);
  }

  // The text of one line (pure: for tests).
  static std::string line(const std::string& what, std::uint64_t done,
                          std::optional<std::uint64_t> total,
                          std::chrono::duration<double> elapsed) {
    std::string out = what + ": " + std::to_string(done);
    if (total) {
      out += " / " + std::to_string(*total);
      if (*total > 0) out += " (" + std::to_string(done * 100 / *total) + "%)";
    }
    double seconds = elapsed.count();
    if (seconds <= 0 || done == 0) return out;
    double rate = static_cast<double>(done) / seconds;
    char text[64];
    std::snprintf(text, sizeof text, ", %.0f/s", rate);
    out += text;
    if (total && *total > done) {
      double left = static_cast<double>(*total - done) / rate;
      std::snprintf(text, sizeof text, left < 90 ? ", %.0f s left" : ", %.0f min left",
                    left < 90 ? left : left / 60);
      out += text;
    }
    return out;
  }

 private:
  void draw(Clock::time_point now) {
    std::string text = line(what_, done_, total_, now - started_);
    // Clear what a longer earlier line left behind.
    std::fprintf(stderr, "\r%s\033[K", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
    last_drawn_ = now;
  }

  std::string what_;
  bool enabled_;
  Clock::time_point started_;
  Clock::time_point last_drawn_{};
  bool drawn_ = false;
  bool finished_ = false;
  std::uint64_t done_ = 0;
  std::optional<std::uint64_t> total_;
};

}  // namespace vs::tools
