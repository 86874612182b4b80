#include "vs/chain/entry_leaf.h"

#include <array>

namespace vs::chain {

Digest EntryLeaf::blinding(const platform::Sha256& sha, ByteView device_secret, std::uint64_t seq) {
  // HMAC (RFC 2104) over the Sha256 interface; block size 64.
  std::array<std::uint8_t, 64> key{};
  if (device_secret.size() > key.size()) {
    Digest reduced = sha.digest(device_secret);
    std::copy(reduced.begin(), reduced.end(), key.begin());
  } else {
    std::copy(device_secret.begin(), device_secret.end(), key.begin());
  }
  std::array<std::uint8_t, 64> inner_pad{};
  std::array<std::uint8_t, 64> outer_pad{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    inner_pad[i] = static_cast<std::uint8_t>(key[i] ^ 0x36);
    outer_pad[i] = static_cast<std::uint8_t>(key[i] ^ 0x5c);
  }
  static constexpr char kLabel[] = "vitalsign/v1/blinding";
  std::uint8_t seq_bytes[8];
  put_u64_be(seq, seq_bytes);
  Digest inner = sha.digest({ByteView(inner_pad), as_bytes(kLabel), ByteView(seq_bytes)});
  return sha.digest({ByteView(outer_pad), ByteView(inner)});
}

Digest EntryLeaf::hash(const platform::Sha256& sha, ByteView blinding, ByteView entry) {
  static constexpr std::uint8_t kLeafPrefix[] = {0x00};
  return sha.digest({ByteView(kLeafPrefix), blinding, entry});
}

}  // namespace vs::chain
