// Raw OpenSSL libcrypto calls, no vitalsign wrapper: the baseline for bench/.
#pragma once

#include <memory>
#include <string>

#include "vs/platform/bytes.h"

namespace vs::platform::bench {

class OpensslBaseline {
 public:
  // Loads the given PEM private key, so wrapper and baseline use one key.
  explicit OpensslBaseline(const std::string& private_key_pem);
  ~OpensslBaseline();
  OpensslBaseline(const OpensslBaseline&) = delete;
  OpensslBaseline& operator=(const OpensslBaseline&) = delete;

  void sha256(ByteView a, ByteView b, ByteView c, std::uint8_t out[32]);
  // EVP_PKEY_sign / EVP_PKEY_verify on contexts set up once, DER signatures.
  std::size_t sign(const Digest& digest, std::uint8_t der[80]);
  bool verify(const Digest& digest, const std::uint8_t* der, std::size_t der_size);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs::platform::bench
