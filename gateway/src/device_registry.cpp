#include "vs/gateway/device_registry.h"

namespace vs::gateway {
namespace {

// The registry's record format holds a key's length in two bytes.
constexpr std::size_t kMaxPublicKeyBytes = 0xffff;

}  // namespace

Result<chain::DeviceId> DeviceRegistry::enrol(ByteView public_key_der) {
  if (public_key_der.size() > kMaxPublicKeyBytes)
    return Error(ErrorCode::kInvalidArgument, "public key is too long")
        .about(std::to_string(public_key_der.size()) + " bytes, at most " +
               std::to_string(kMaxPublicKeyBytes));
  VS_TRY(keys_.make_verifier(public_key_der));  // must be a P-256 key
  chain::DeviceId device = chain::DeviceId::from_public_key(sha_, public_key_der);
  return retry_on_conflict([&]() -> Result<chain::DeviceId> {
    VS_TRY_ASSIGN(auto changes, state_.begin());
    VS_TRY_ASSIGN(auto existing, changes->device(device));
    if (existing) return device;  // the id is the key's hash: the same key again
    DeviceRecord record;
    record.public_keys.emplace_back(public_key_der.begin(), public_key_der.end());
    changes->put_device(device, record);
    VS_TRY(changes->commit(true));
    return device;
  });
}

Result<DeviceRecord> DeviceRegistry::enrolled(const chain::DeviceId& device) const {
  VS_TRY_ASSIGN(auto record, state_.device(device));
  if (!record) return Error(ErrorCode::kNotFound, "no such device is enrolled").about(device.hex());
  return std::move(record).value();
}

Status DeviceRegistry::revoke(const chain::DeviceId& device) {
  return retry_on_conflict([&]() -> Status {
    VS_TRY_ASSIGN(auto changes, state_.begin());
    VS_TRY_ASSIGN(auto record, changes->device(device));
    if (!record)
      return Error(ErrorCode::kNotFound, "no such device is enrolled").about(device.hex());
    record->revoked = true;
    changes->put_device(device, *record);
    return changes->commit(true);
  });
}

Result<bool> DeviceRegistry::is_revoked(const chain::DeviceId& device) const {
  VS_TRY_ASSIGN(DeviceRecord record, enrolled(device));
  return record.revoked;
}

Status DeviceRegistry::set_certificate(const chain::DeviceId& device, ByteView certificate_der) {
  VS_TRY(enrolled(device));
  return retry_on_conflict([&]() -> Status {
    VS_TRY_ASSIGN(auto changes, state_.begin());
    changes->put_certificate(device, certificate_der);
    return changes->commit(true);
  });
}

Result<std::optional<Bytes>> DeviceRegistry::certificate(const chain::DeviceId& device) const {
  return state_.certificate(device);
}

void DeviceRegistry::flag_equivocation(GatewayTransaction& changes, const chain::DeviceId& device,
                                       DeviceRecord record) {
  record.equivocated = true;
  changes.put_device(device, record);
}

void DeviceRegistry::record_keys(GatewayTransaction& changes, const chain::DeviceId& device,
                                 DeviceRecord record, std::vector<Bytes> public_keys) {
  record.public_keys = std::move(public_keys);
  changes.put_device(device, record);
}

}  // namespace vs::gateway
