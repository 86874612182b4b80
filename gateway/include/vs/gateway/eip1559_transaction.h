#pragma once

#include "vs/platform/bytes.h"
#include "vs/platform/ethereum_key.h"

namespace vs::gateway {

// An EIP-1559 (type 2) transaction carrying an anchor in its data, for the
// gateway to sign locally. RLP per the Ethereum yellow paper: integers are
// minimal big-endian, zero is the empty string; the access list is empty.
struct Eip1559Transaction {
  std::uint64_t chain_id = 0;
  std::uint64_t nonce = 0;
  std::uint64_t max_priority_fee_per_gas = 0;
  std::uint64_t max_fee_per_gas = 0;
  std::uint64_t gas_limit = 0;
  platform::EvmAddress to{};
  std::uint64_t value = 0;
  Bytes data;

  // 0x02 || rlp([chain id, nonce, priority fee, max fee, gas, to, value, data, []]):
  // Keccak-256 of this is what the key signs.
  Bytes signing_payload() const;
  // The same list with y parity, r and s appended: what eth_sendRawTransaction takes.
  Bytes encode_signed(const platform::RecoverableSignature& signature) const;
};

}  // namespace vs::gateway
