#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "vs/chain/device_id.h"
#include "vs/gateway/fhir_bundle_json.h"
#include "vs/gateway/gateway_state.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"

namespace vs::gateway {

// Which of a device's readings leave the gateway.
struct ReadingFilter {
  std::optional<std::uint64_t> from_ms;  // device time, inclusive
  std::optional<std::uint64_t> to_ms;    // device time, inclusive
  std::optional<std::uint64_t> seq;      // only this reading
  // Only readings taken while the device's chain held a consent event
  // granting this recipient access, not yet revoked by a later one.
  std::optional<std::string> recipient;
};

struct ReadingSelection {
  gateway::FhirDeviceExport device;
  std::uint64_t readings = 0;         // exported
  std::uint64_t blocks_read = 0;      // every accepted block of the device, re-verified
  std::uint64_t unanchored = 0;       // matched, left out: their block has no receipt yet
  std::uint64_t without_consent = 0;  // in the window, left out: no consent for the recipient
};

// Picks a device's verified readings from the gateway's store for export:
// every accepted block is verified again with the registry's key (the store
// is evidence, not trust) and must hash to what its receipt names; events
// are followed in seq order for the subject pseudonym and consent. Only
// anchored blocks' readings are exported; the rest are counted.
class ReadingExport {
 public:
  ReadingExport(const GatewayState& state, const platform::Sha256& sha,
                const platform::VerifierFactory& keys)
      : state_(state), sha_(sha), keys_(keys) {}

  Result<ReadingSelection> select(
      const chain::DeviceId& device, const ReadingFilter& filter,
      const std::function<void(std::uint64_t blocks_read)>& progress = {}) const;

 private:
  const GatewayState& state_;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
};

}  // namespace vs::gateway
