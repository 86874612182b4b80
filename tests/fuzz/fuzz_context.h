// What every fuzz target shares: the fixed keys as verifiers, built once.
#pragma once

#include <memory>

#include "fuzz_keys.h"
#include "vs/chain/device_id.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::fuzz {

struct FuzzContext {
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory keys;
  Bytes device_public_key;
  Bytes gateway_public_key;
  std::unique_ptr<platform::Verifier> device_key;
  std::unique_ptr<platform::Verifier> gateway_key;
  chain::DeviceId device;

  FuzzContext() {
    auto device_signer =
        platform::MbedtlsSigner::from_private_key(as_bytes(kDevicePrivateKeyPem)).value();
    auto gateway_signer =
        platform::MbedtlsSigner::from_private_key(as_bytes(kGatewayPrivateKeyPem)).value();
    device_public_key.assign(device_signer->public_key().begin(),
                             device_signer->public_key().end());
    gateway_public_key.assign(gateway_signer->public_key().begin(),
                              gateway_signer->public_key().end());
    device_key = keys.make_verifier(device_public_key).value();
    gateway_key = keys.make_verifier(gateway_public_key).value();
    device = chain::DeviceId::from_public_key(sha, device_public_key);
  }

  static const FuzzContext& get() {
    static const FuzzContext context;
    return context;
  }
};

}  // namespace vs::fuzz
