#include "vs/gateway/eip1559_transaction.h"

namespace vs::gateway {
namespace {

void append_length(Bytes& out, std::size_t length, std::uint8_t short_base,
                   std::uint8_t long_base) {
  if (length < 56) {
    out.push_back(static_cast<std::uint8_t>(short_base + length));
    return;
  }
  Bytes digits;
  for (std::size_t rest = length; rest > 0; rest >>= 8)
    digits.insert(digits.begin(), static_cast<std::uint8_t>(rest & 0xff));
  out.push_back(static_cast<std::uint8_t>(long_base + digits.size()));
  out.insert(out.end(), digits.begin(), digits.end());
}

void rlp_string(Bytes& out, ByteView bytes) {
  if (bytes.size() == 1 && bytes[0] < 0x80) {
    out.push_back(bytes[0]);
    return;
  }
  append_length(out, bytes.size(), 0x80, 0xb7);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// Big-endian without leading zeros (so zero is the empty string).
void rlp_unsigned(Bytes& out, ByteView big_endian) {
  std::size_t first = 0;
  while (first < big_endian.size() && big_endian[first] == 0) ++first;
  rlp_string(out, big_endian.subspan(first));
}

void rlp_unsigned(Bytes& out, std::uint64_t value) {
  std::uint8_t bytes[8];
  put_u64_be(value, bytes);
  rlp_unsigned(out, ByteView(bytes, 8));
}

Bytes rlp_list(const Bytes& items) {
  Bytes out;
  append_length(out, items.size(), 0xc0, 0xf7);
  out.insert(out.end(), items.begin(), items.end());
  return out;
}

Bytes fields(const Eip1559Transaction& tx) {
  Bytes items;
  rlp_unsigned(items, tx.chain_id);
  rlp_unsigned(items, tx.nonce);
  rlp_unsigned(items, tx.max_priority_fee_per_gas);
  rlp_unsigned(items, tx.max_fee_per_gas);
  rlp_unsigned(items, tx.gas_limit);
  rlp_string(items, tx.to);
  rlp_unsigned(items, tx.value);
  rlp_string(items, tx.data);
  items.push_back(0xc0);  // empty access list
  return items;
}

Bytes typed(const Bytes& items) {
  Bytes out{0x02};
  Bytes list = rlp_list(items);
  out.insert(out.end(), list.begin(), list.end());
  return out;
}

}  // namespace

Bytes Eip1559Transaction::signing_payload() const {
  return typed(fields(*this));
}

Bytes Eip1559Transaction::encode_signed(const platform::RecoverableSignature& signature) const {
  Bytes items = fields(*this);
  rlp_unsigned(items, signature.recovery_id);
  rlp_unsigned(items, signature.r);
  rlp_unsigned(items, signature.s);
  return typed(items);
}

}  // namespace vs::gateway
