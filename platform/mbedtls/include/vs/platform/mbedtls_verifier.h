#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "vs/platform/verifier.h"

namespace vs::platform {

// ECDSA P-256 verification on Mbed TLS: what a device uses to check its
// gateway's receipts. About 1,000 verifies/s on one core; the gateway uses
// OpensslVerifierFactory instead.
class MbedtlsVerifierFactory final : public VerifierFactory {
 public:
  Result<std::unique_ptr<Verifier>> make_verifier(ByteView public_key_der) const override;
  // A "PUBLIC KEY" PEM file's text to SubjectPublicKeyInfo DER.
  static Result<Bytes> der_from_pem(std::string_view pem);
};

// A device's TLS certificate (PEM), as the broker sees it: its common name
// is the MQTT user name the ACL keys on, so it must be the device id.
struct DeviceCertificate {
  Bytes der;                // the certificate as DER
  std::string common_name;  // subject CN
  bool ca_verified = false;
  // Parses the certificate; with a CA (PEM), also checks it was issued by
  // that CA and is within its validity (kIntegrity when not).
  static Result<DeviceCertificate> parse(std::string_view pem, std::string_view ca_pem = {});
};

}  // namespace vs::platform
