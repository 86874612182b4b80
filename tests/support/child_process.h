// Starts a program with its stdout (and optionally stderr) on a pipe, and
// stops it by its own process id: how tests run the real binaries and
// servers.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace vs::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { kill_and_wait(SIGKILL); }

  // Returns false when the program cannot be started.
  bool start(const std::vector<std::string>& argv, const std::string& stderr_path = "/dev/null") {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (rc != 0) {
      ::close(pipe_fds[0]);
      pid_ = -1;
      return false;
    }
    stdout_fd_ = pipe_fds[0];
    ::fcntl(stdout_fd_, F_SETFL, O_NONBLOCK);
    return true;
  }

  // Appends whatever the child has written so far.
  void drain_stdout() {
    if (stdout_fd_ < 0) return;
    char buffer[65536];
    for (;;) {
      ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      output_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  // Sends `signal` and reaps the child; returns its wait status.
  int kill_and_wait(int signal) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, signal);
    return wait();
  }

  int wait() {
    int status = 0;
    while (pid_ > 0) {
      drain_stdout();
      pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    drain_stdout();
    if (stdout_fd_ >= 0) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
    }
    return status;
  }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }

  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string output_;
};

// Runs a program to its end: its exit code (-1 when it could not start or
// did not exit) and everything it wrote, stdout and stderr together.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
inline CommandResult run_command(const std::vector<std::string>& argv) {
  ChildProcess process;
  CommandResult result;
  if (!process.start(argv, "/dev/stdout")) return result;
  int status = process.wait();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.output = process.output();
  return result;
}

}  // namespace vs::testing
