#include "vs/board/serial_sensor.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "vs/platform/log.h"

namespace vs::board {
namespace {

speed_t baud_constant(int baud) {
  switch (baud) {
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 230400:
      return B230400;
    case 460800:
      return B460800;
    case 921600:
      return B921600;
    default:
      return B115200;
  }
}

}  // namespace

SerialSensor::SerialSensor(std::string device_path, int baud)
    : path_(std::move(device_path)), baud_(baud) {}

SerialSensor::~SerialSensor() {
  close_device();
}

bool SerialSensor::open_device() {
  int fd = ::open(path_.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  termios tty{};
  if (::tcgetattr(fd, &tty) == 0) {
    ::cfmakeraw(&tty);
    ::cfsetispeed(&tty, baud_constant(baud_));
    ::cfsetospeed(&tty, baud_constant(baud_));
    tty.c_cflag |= CLOCAL | CREAD;
    ::tcsetattr(fd, TCSANOW, &tty);
  }
  fd_ = fd;
  if (ever_opened_) ++reconnects_;
  ever_opened_ = true;
  backoff_ = std::chrono::milliseconds(100);
  platform::log(platform::LogLevel::kInfo, "serial sensor: opened " + path_);
  return true;
}

void SerialSensor::close_device() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<std::vector<agent::SensorSample>> SerialSensor::read(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<agent::SensorSample> samples;
  while (samples.empty()) {
    auto now = std::chrono::steady_clock::now();
    if (fd_ < 0) {
      if (now < next_attempt_ || !open_device()) {
        if (now >= next_attempt_) {
          next_attempt_ = now + backoff_;
          backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
        }
        auto wait = std::min(deadline, next_attempt_) - now;
        if (wait > std::chrono::steady_clock::duration::zero()) std::this_thread::sleep_for(wait);
        if (std::chrono::steady_clock::now() >= deadline) break;
        continue;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd poll_fd{fd_, POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) break;  // timeout
    std::uint8_t buffer[4096];
    ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n > 0) {
      auto parsed = parser_.feed(ByteView(buffer, static_cast<std::size_t>(n)));
      samples_ += parsed.size();
      samples.insert(samples.end(), parsed.begin(), parsed.end());
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    // EOF or EIO: the device (or the emulator's pty) went away.
    platform::log(platform::LogLevel::kWarning,
                  "serial sensor: " + path_ + " disconnected; reopening");
    close_device();
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
  }
  return samples;
}

agent::SensorCounters SerialSensor::counters() const {
  return agent::SensorCounters{samples_, parser_.bad_frames(), reconnects_};
}

}  // namespace vs::board
