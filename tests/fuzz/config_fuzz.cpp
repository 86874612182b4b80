// Outside bytes: configuration (agent and gateway) and scenario files written by people. Promise:
// any text gives a config or an error naming the key; no crash, no throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vs/agent/agent_config.h"
#include "vs/board/sim_patient.h"
#include "vs/gateway/gateway_config.h"
#include "vs/platform/toml_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = vs::platform::TomlConfig::parse(text, "fuzz.toml");
  if (!config) return 0;
  (void)vs::agent::AgentConfig::from_toml(*config);
  (void)vs::gateway::GatewayConfig::from_toml(*config);
  (void)vs::board::Scenario::from_config(*config);
  for (const std::string& key : config->leaf_keys()) (void)config->where(key);
  return 0;
}
