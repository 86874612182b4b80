#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "vs/agent/agent.h"
#include "vs/agent/agent_config.h"
#include "vs/platform/start_failure.h"
#include "vs/platform/toml_config.h"

namespace vs::agent {

using platform::StartFailure;

// vitalsign-agent assembled from its config: the board it names (from those
// linked into the binary), the device key the board keeps, the LMDB chain,
// the gateway's public key for receipts, the event inbox and the MQTT uplink.
class AgentDaemon {
 public:
  static std::unique_ptr<AgentDaemon> open(const AgentConfig& config,
                                           const platform::TomlConfig& toml, StartFailure& failure);
  ~AgentDaemon();
  AgentDaemon(const AgentDaemon&) = delete;
  AgentDaemon& operator=(const AgentDaemon&) = delete;

  bool start(StartFailure& failure);  // connects the uplink (when a broker is set)
  std::string describe() const;       // device, board, store, next seq, uplink
  // Steps the agent until `stop_requested` says so or the sensor is gone for
  // good (false). `on_committed(seq)` hears every seq once it is durable.
  bool run(const std::function<bool()>& stop_requested,
           const std::function<void(std::uint64_t seq)>& on_committed);
  // Seals what is pending and flushes within `drain`; false on an error.
  bool shutdown(std::chrono::milliseconds drain);
  std::string summary() const;  // readings, blocks, receipts, sensor faults

 private:
  struct Parts;
  explicit AgentDaemon(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace vs::agent
