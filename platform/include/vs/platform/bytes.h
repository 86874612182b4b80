#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vs/platform/result.h"

namespace vs {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
using Digest = std::array<std::uint8_t, 32>;

inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string to_hex(ByteView bytes);
Result<Bytes> from_hex(std::string_view hex);
// Standard base64 (RFC 4648 section 4), with padding; decoding is strict.
std::string to_base64(ByteView bytes);
Result<Bytes> from_base64(std::string_view text);
// RFC 7468 text: "-----BEGIN <label>-----", base64 in 64-column lines, END.
std::string to_pem(std::string_view label, ByteView der);

// Copies into a fixed-size array; a wrong size is malformed input.
template <std::size_t N>
Result<std::array<std::uint8_t, N>> to_array(ByteView bytes, const char* reason) {
  if (bytes.size() != N) return Error(ErrorCode::kMalformed, reason);
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = bytes[i];
  return out;
}

inline bool equal(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Overwrites a secret (a PIN, a key's text) so that it does not linger in
// freed memory; the compiler may not drop it as a dead store.
void wipe(std::string& secret);

void put_u64_be(std::uint64_t value, std::uint8_t out[8]);
std::uint64_t get_u64_be(const std::uint8_t in[8]);

}  // namespace vs
