// A real anvil (Ethereum development node) for one test: started on
// 127.0.0.1 on a free port, stopped by its own process id.
#pragma once

#include <string>
#include <vector>

#include "child_process.h"
#include "mosquitto_server.h"  // free_port, port_open

namespace vs::testing {

// anvil's well-known development accounts (public keys of public secrets).
inline constexpr const char* kAnvilAccount0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
inline constexpr const char* kAnvilAccount1 = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
inline constexpr const char* kAnvilKey1 =
    "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

#ifdef VS_CAST_BINARY
// What cast (an independent client) prints for `args`, trimmed.
inline std::string cast(const std::string& url, std::vector<std::string> args) {
  args.insert(args.begin(), VS_CAST_BINARY);
  args.push_back("--rpc-url");
  args.push_back(url);
  ChildProcess process;
  if (!process.start(args)) return "";
  process.wait();
  std::string out = process.output();
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.size() >= 2 && out.front() == '"' && out.back() == '"')
    out = out.substr(1, out.size() - 2);
  return out;
}
#endif

class AnvilServer {
 public:
  // block_time_s 0: every transaction is mined at once. With a state file
  // the chain survives a stop and start (anvil writes it when stopped).
  explicit AnvilServer(int block_time_s = 0, std::string state_file = "")
      : port_(free_port()), block_time_s_(block_time_s), state_file_(std::move(state_file)) {}

  bool start() {
    std::vector<std::string> argv{VS_ANVIL_BINARY,       "--host",     "127.0.0.1", "--port",
                                  std::to_string(port_), "--chain-id", "31337",     "--silent"};
    if (block_time_s_ > 0) {
      argv.push_back("--block-time");
      argv.push_back(std::to_string(block_time_s_));
    }
    if (!state_file_.empty()) {
      argv.push_back("--state");
      argv.push_back(state_file_);
    }
    if (!process_.start(argv)) return false;
    for (int i = 0; i < 500; ++i) {
      if (port_open(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void stop() { process_.kill_and_wait(SIGTERM); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  int block_time_s_;
  std::string state_file_;
  ChildProcess process_;
};

}  // namespace vs::testing
