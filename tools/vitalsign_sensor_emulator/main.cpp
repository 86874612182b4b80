// vitalsign-sensor-emulator: a serial vital-signs sensor on a pseudo-terminal,
// for hardware-in-loop rigs. It owns the pty's master end, points a stable
// link (like /dev/serial/by-id/...) at the slave, and speaks the serial
// board's line protocol (boards/serial/README.md) with readings from the
// simulated patient (boards/sim scenario files), injecting faults on a
// timed script. At exit it prints what it sent, so a harness can check the
// far end: every good frame committed exactly once, every bad one counted.
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon.h"
#include "vs/board/serial_frame_parser.h"
#include "vs/board/sim_sensor.h"
#include "vs/platform/clock.h"
#include "vs/platform/toml_config.h"

namespace vs::tools {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kHelp =
    "usage: vitalsign-sensor-emulator --link PATH [--scenario FILE] [--seed N]\n"
    "                                 [--waveform ecg|ppg|none] [--speed X]\n"
    "                                 [--duration-ms N] [--script FILE] [--sent FILE]\n\n"
    "Opens a pseudo-terminal, links PATH to its device (point the agent's serial.device\n"
    "at PATH) and sends the simulated patient's readings as serial frames until\n"
    "--duration-ms has passed or SIGTERM. --speed is simulated seconds per second.\n"
    "--script FILE injects faults; one per line, `<ms after start> <fault> [N]`:\n"
    "  garbage N      N bytes of line noise outside any frame\n"
    "  badcrc         the next frame with a wrong checksum\n"
    "  truncate       the next frame cut in half\n"
    "  silence N      nothing sent for N ms (readings due meanwhile are lost)\n"
    "  burst N        N extra heart-rate frames at once, far above the nominal rate\n"
    "  disconnect N   the device vanishes for N ms (a new pty, the link moved to it)\n"
    "--sent FILE lists the payload of every good frame sent, in order. At exit a JSON\n"
    "summary goes to stdout: frames sent, bad frames, garbage bytes, frames lost to\n"
    "silence or disconnection, disconnects.\n";

struct Fault {
  std::uint64_t at_ms = 0;
  std::string kind;
  std::uint64_t count = 0;
};

struct Options {
  fs::path link, scenario, script, sent;
  std::uint64_t seed = 1;
  board::Waveform waveform = board::Waveform::kEcg;
  double speed = 1.0;
  std::uint64_t duration_ms = 0;  // 0: until SIGTERM
};

struct Counters {
  std::uint64_t frames_sent = 0, bad_frames = 0, garbage_bytes = 0, frames_lost = 0,
                disconnects = 0, write_failures = 0;
};

Result<std::vector<Fault>> read_script(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return Error(ErrorCode::kNotFound, "cannot read the fault script").about(path.string());
  std::vector<Fault> faults;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    Fault fault;
    words >> fault.at_ms >> fault.kind;
    bool needs_count = fault.kind == "garbage" || fault.kind == "silence" ||
                       fault.kind == "burst" || fault.kind == "disconnect";
    bool known = needs_count || fault.kind == "badcrc" || fault.kind == "truncate";
    if (needs_count) words >> fault.count;
    if (!words || !known || (needs_count && fault.count == 0))
      return Error(ErrorCode::kMalformed,
                   "expected `<ms> garbage|silence|burst|disconnect N` or `<ms> badcrc|truncate`")
          .about(path.string() + ":" + std::to_string(number));
    faults.push_back(fault);
  }
  std::stable_sort(faults.begin(), faults.end(),
                   [](const Fault& a, const Fault& b) { return a.at_ms < b.at_ms; });
  return faults;
}

// The pty pair. The emulator keeps the slave open too (raw), so what it
// writes before the agent opens the device waits in the line discipline.
class Pty {
 public:
  explicit Pty(fs::path link) : link_(std::move(link)) {}
  ~Pty() { close(); }

  Status open() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
      return Error(ErrorCode::kIo, "cannot open a pseudo-terminal");
    std::string slave_name = ::ptsname(master_);
    slave_ = ::open(slave_name.c_str(), O_RDWR | O_NOCTTY);
    if (slave_ < 0) return Error(ErrorCode::kIo, "cannot open the pty's device").about(slave_name);
    termios mode{};
    ::tcgetattr(slave_, &mode);
    ::cfmakeraw(&mode);
    ::tcsetattr(slave_, TCSANOW, &mode);
    // Moved into place in one step: the agent never sees a half-made link.
    fs::path temporary = link_.string() + ".new";
    std::error_code error;
    fs::remove(temporary, error);
    fs::create_symlink(slave_name, temporary, error);
    if (!error) fs::rename(temporary, link_, error);
    if (error) return Error(ErrorCode::kIo, "cannot link to the pty").about(link_.string());
    return {};
  }
  // Waits until the agent has read what was written (the slave's input
  // queue stays empty for 100 ms: bytes pass through the kernel's flip
  // buffer before the queue counts them), so an unplug loses nothing that
  // counts as sent.
  void drain(std::chrono::milliseconds timeout) {
    auto until = Clock::now() + timeout;
    int empty_checks = 0;
    while (slave_ >= 0 && empty_checks < 20 && Clock::now() < until) {
      int waiting = 0;
      if (::ioctl(slave_, FIONREAD, &waiting) != 0) break;
      empty_checks = waiting == 0 ? empty_checks + 1 : 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void close() {
    std::error_code error;
    fs::remove(link_, error);
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);
    slave_ = master_ = -1;
  }
  bool is_open() const { return master_ >= 0; }

  // Everything, or false when the reader stays away for a second.
  bool write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t written = ::write(master_, bytes.data(), bytes.size());
      if (written > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(written));
        continue;
      }
      if (written < 0 && errno != EAGAIN && errno != EINTR) return false;
      pollfd wait{master_, POLLOUT, 0};
      if (::poll(&wait, 1, 1000) <= 0) return false;
    }
    return true;
  }

 private:
  fs::path link_;
  int master_ = -1;
  int slave_ = -1;
};

class Emulator {
 public:
  Emulator(const Options& options, std::vector<Fault> faults, board::SimSensor& sensor)
      : options_(options), faults_(std::move(faults)), sensor_(sensor), pty_(options.link) {}

  Status run() {
    VS_TRY(pty_.open());
    if (!options_.sent.empty()) sent_.open(options_.sent, std::ios::trunc);
    auto start = Clock::now();
    std::size_t next_fault = 0;
    while (!stop_requested()) {
      auto now = Clock::now();
      auto elapsed_ms = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count());
      if (options_.duration_ms != 0 && elapsed_ms >= options_.duration_ms) break;
      if (!pty_.is_open() && now >= reconnect_at_) VS_TRY(pty_.open());
      while (next_fault < faults_.size() && faults_[next_fault].at_ms <= elapsed_ms)
        apply(faults_[next_fault++], now);
      VS_TRY_ASSIGN(auto samples, sensor_.read(std::chrono::milliseconds(20)));
      for (const agent::SensorSample& sample : samples) send(sample, Clock::now());
    }
    pty_.drain(std::chrono::seconds(5));  // the agent reads the last frames before we go
    return {};
  }

  const Counters& counters() const { return counters_; }

 private:
  void apply(const Fault& fault, Clock::time_point now) {
    if (fault.kind == "badcrc") {
      ++pending_bad_crc_;
    } else if (fault.kind == "truncate") {
      ++pending_truncated_;
    } else if (fault.kind == "silence") {
      silent_until_ = now + std::chrono::milliseconds(fault.count);
    } else if (fault.kind == "disconnect") {
      pty_.drain(std::chrono::seconds(2));
      pty_.close();
      ++counters_.disconnects;
      reconnect_at_ = now + std::chrono::milliseconds(fault.count);
    } else if (fault.kind == "garbage" && pty_.is_open()) {
      std::string noise;
      for (std::uint64_t i = 0; i < fault.count; ++i)
        noise += static_cast<char>('a' + (i * 7 + fault.at_ms) % 26);  // never '$'
      if (pty_.write_all(noise + "\n")) counters_.garbage_bytes += noise.size() + 1;
    } else if (fault.kind == "burst") {
      for (std::uint64_t i = 0; i < fault.count; ++i) {
        proto::Reading reading{
            proto::VitalKind::kHeartRate, static_cast<std::int64_t>(100 + i % 50), 0, 0, 0, {}};
        send(reading, now);
      }
    }
  }

  void send(const agent::SensorSample& sample, Clock::time_point now) {
    std::string payload = board::SerialFrameParser::payload(sample);
    if (payload.empty()) return;
    if (!pty_.is_open() || now < silent_until_) {
      ++counters_.frames_lost;  // the sensor is unplugged or silent: nothing goes out
      return;
    }
    std::string frame = board::SerialFrameParser::frame(payload);
    bool bad = false;
    if (pending_bad_crc_ > 0) {
      --pending_bad_crc_;
      frame[frame.size() - 2] = frame[frame.size() - 2] == '0' ? '1' : '0';
      bad = true;
    } else if (pending_truncated_ > 0) {
      --pending_truncated_;
      frame = frame.substr(0, frame.size() / 2) + "\n";
      bad = true;
    }
    if (!pty_.write_all(frame)) {
      ++counters_.write_failures;
      return;
    }
    if (bad) {
      ++counters_.bad_frames;
      return;
    }
    ++counters_.frames_sent;
    if (sent_.is_open()) sent_ << payload << "\n" << std::flush;
  }

  const Options& options_;
  std::vector<Fault> faults_;
  board::SimSensor& sensor_;
  Pty pty_;
  std::ofstream sent_;
  Counters counters_;
  int pending_bad_crc_ = 0, pending_truncated_ = 0;
  Clock::time_point silent_until_{}, reconnect_at_{};
};

int usage(const std::string& message) {
  std::fprintf(stderr, "vitalsign-sensor-emulator: %s (see --help)\n", message.c_str());
  return kUsage;
}

}  // namespace
}  // namespace vs::tools

namespace vs::tools {
namespace {

// The options, or the exit code when there is nothing to run.
std::optional<int> parse_options(const std::vector<std::string>& args, Options& options) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help") {
      std::printf("%s", kHelp);
      return kOk;
    }
    if (i + 1 >= args.size()) return usage("unexpected argument '" + flag + "'");
    const std::string& value = args[++i];
    char* end = nullptr;
    if (flag == "--link") {
      options.link = value;
    } else if (flag == "--scenario") {
      options.scenario = value;
    } else if (flag == "--script") {
      options.script = value;
    } else if (flag == "--sent") {
      options.sent = value;
    } else if (flag == "--seed") {
      options.seed = std::strtoull(value.c_str(), &end, 10);
      if (*end != '\0') return usage("--seed '" + value + "' is not a number");
    } else if (flag == "--duration-ms") {
      options.duration_ms = std::strtoull(value.c_str(), &end, 10);
      if (*end != '\0') return usage("--duration-ms '" + value + "' is not a number");
    } else if (flag == "--speed") {
      options.speed = std::strtod(value.c_str(), &end);
      if (*end != '\0' || options.speed <= 0 || options.speed > 1e4)
        return usage("--speed '" + value + "' is not a number above 0, at most 10000");
    } else if (flag == "--waveform") {
      if (value == "ecg") {
        options.waveform = board::Waveform::kEcg;
      } else if (value == "ppg") {
        options.waveform = board::Waveform::kPpg;
      } else if (value == "none") {
        options.waveform = board::Waveform::kNone;
      } else {
        return usage("--waveform '" + value + "' is not ecg, ppg or none");
      }
    } else {
      return usage("unexpected argument '" + flag + "'");
    }
  }
  if (options.link.empty()) return usage("--link PATH is required");
  return std::nullopt;
}

}  // namespace
}  // namespace vs::tools

int main(int argc, char** argv) {
  using namespace vs;
  using namespace vs::tools;
  Options options;
  if (auto done = parse_options(std::vector<std::string>(argv + 1, argv + argc), options))
    return *done;

  board::Scenario scenario;
  if (!options.scenario.empty()) {
    auto file = platform::TomlConfig::load(options.scenario);
    if (!file) return fail(kConfig, "--scenario: " + file.error().message());
    auto parsed = board::Scenario::from_config(*file);
    if (!parsed) return fail(kConfig, "--scenario: " + parsed.error().message());
    scenario = std::move(parsed).value();
  }
  std::vector<Fault> faults;
  if (!options.script.empty()) {
    auto script = read_script(options.script);
    if (!script) return fail(kConfig, "--script: " + script.error().message());
    faults = std::move(script).value();
  }
  stop_on_signals();
  platform::SystemClock clock;
  board::SimSensor sensor(board::SimPatient(std::move(scenario), options.seed, options.waveform),
                          clock, options.speed);
  Emulator emulator(options, std::move(faults), sensor);
  Status ran = emulator.run();
  const Counters& c = emulator.counters();
  std::printf(
      "{\"frames_sent\":%llu,\"bad_frames\":%llu,\"garbage_bytes\":%llu,\"frames_lost\":%llu,"
      "\"disconnects\":%llu,\"write_failures\":%llu}\n",
      static_cast<unsigned long long>(c.frames_sent), static_cast<unsigned long long>(c.bad_frames),
      static_cast<unsigned long long>(c.garbage_bytes),
      static_cast<unsigned long long>(c.frames_lost),
      static_cast<unsigned long long>(c.disconnects),
      static_cast<unsigned long long>(c.write_failures));
  std::fflush(stdout);
  if (!ran) return fail(kEnvironment, ran.error().message());
  return kOk;
}
