#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vs/agent/sensor.h"
#include "vs/platform/clock.h"
#include "vs/platform/key_store.h"
#include "vs/platform/result.h"

namespace vs::platform {
class TomlConfig;
}

namespace vs::agent {

// What a board gives the agent: its sensor and its key store.
struct Board {
  std::unique_ptr<Sensor> sensor;
  std::unique_ptr<platform::KeyStore> keys;
};

// Makes a board from the agent's config (its own [<board name>] table).
using BoardFactory = Result<Board> (*)(const platform::TomlConfig& config,
                                       const platform::Clock& clock);

// Boards register themselves at static-initialisation time, so adding a
// board is a new folder under boards/ and nothing else.
class BoardRegistry {
 public:
  struct Registration {
    Registration(const char* name, BoardFactory factory);
  };
  static Result<BoardFactory> find(std::string_view name);
  static std::vector<std::string> names();
};

}  // namespace vs::agent
