#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "vs/chain/device_id.h"
#include "vs/gateway/gateway_state.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"

namespace vs::gateway {

// Which devices the gateway knows, under which keys, and which it no longer
// trusts. A device's id is the hash of its first public key; its record
// grows a key when its chain rotates one (ingest does that, in the
// transaction that accepts the rotation).
class DeviceRegistry {
 public:
  DeviceRegistry(GatewayState& state, const platform::Sha256& sha,
                 const platform::VerifierFactory& keys)
      : state_(state), sha_(sha), keys_(keys) {}

  // The same key again is the same device; another P-256 key is a new one.
  Result<chain::DeviceId> enrol(ByteView public_key_der);
  Status revoke(const chain::DeviceId& device);
  Result<bool> is_revoked(const chain::DeviceId& device) const;
  // The device's TLS certificate, kept with its registry entry (the broker
  // checks it; the registry records which one belongs to whom).
  Status set_certificate(const chain::DeviceId& device, ByteView certificate_der);
  Result<std::optional<Bytes>> certificate(const chain::DeviceId& device) const;

  Result<std::optional<DeviceRecord>> load(const chain::DeviceId& device) const {
    return state_.device(device);
  }
  // Every enrolled device, in id order.
  Result<std::vector<std::pair<chain::DeviceId, DeviceRecord>>> devices() const {
    return state_.devices();
  }

  // Within ingest's transaction: the device signed two blocks at one height.
  static void flag_equivocation(GatewayTransaction& changes, const chain::DeviceId& device,
                                DeviceRecord record);
  // Within ingest's transaction: the chain brought in a new key.
  static void record_keys(GatewayTransaction& changes, const chain::DeviceId& device,
                          DeviceRecord record, std::vector<Bytes> public_keys);

 private:
  Result<DeviceRecord> enrolled(const chain::DeviceId& device) const;

  GatewayState& state_;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& keys_;
};

}  // namespace vs::gateway
