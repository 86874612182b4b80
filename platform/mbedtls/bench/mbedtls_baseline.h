// Raw Mbed TLS calls, no vitalsign wrapper: the baseline that bench/ holds
// our interfaces against. Lives here because only this folder may include
// Mbed TLS headers.
#pragma once

#include <memory>

#include "vs/platform/bytes.h"

namespace vs::platform::bench {

class MbedtlsBaseline {
 public:
  MbedtlsBaseline();
  ~MbedtlsBaseline();
  MbedtlsBaseline(const MbedtlsBaseline&) = delete;
  MbedtlsBaseline& operator=(const MbedtlsBaseline&) = delete;

  // SHA-256 over up to three parts with the streaming API.
  void sha256(ByteView a, ByteView b, ByteView c, std::uint8_t out[32]);
  // mbedtls_ecdsa_sign_det_ext on a long-lived ECDSA context.
  void sign(const Digest& digest, std::uint8_t signature[64]);
  bool verify(const Digest& digest, const std::uint8_t signature[64]);
  // The baseline key, so a wrapper can be built on the same key.
  std::string private_key_pem() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs::platform::bench
