#pragma once

#include <string>

namespace vs::platform {

// Why a daemon did not start: its config is wrong (a value the operator must
// change), or its environment is (a key, the store, a server, a port). The
// daemons' exit codes tell the two apart.
struct StartFailure {
  bool config_at_fault = false;
  std::string message;  // names the config key or the thing that failed

  // Records the failure; false, for `return failure.set(...)`.
  bool set(bool config, std::string text) {
    config_at_fault = config;
    message = std::move(text);
    return false;
  }
};

}  // namespace vs::platform
