#include "vs/platform/cryptopp_keccak256.h"

#include <crypto++/keccak.h>

namespace vs::platform {

Digest CryptoppKeccak256::digest(ByteView data) const {
  CryptoPP::Keccak_256 keccak;
  keccak.Update(data.data(), data.size());
  Digest out{};
  keccak.Final(out.data());
  return out;
}

}  // namespace vs::platform
