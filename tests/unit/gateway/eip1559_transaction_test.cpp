#include "vs/gateway/eip1559_transaction.h"

#include <gtest/gtest.h>

#include "vs/platform/cryptopp_keccak256.h"
#include "vs/platform/evm_rpc.h"
#include "vs/platform/secp256k1_key.h"

namespace vs::gateway {
namespace {

Bytes hex(std::string_view text) {
  return from_hex(text).value();
}

// anvil's first development key (public knowledge: never holds value).
const char* const kAnvilKey0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

TEST(Keccak256, MatchesEthereumVectors) {
  platform::CryptoppKeccak256 keccak;
  EXPECT_EQ(to_hex(keccak.digest({})),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(to_hex(keccak.digest(as_bytes("abc"))),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(Secp256k1Key, DerivesTheKnownAddress) {
  platform::CryptoppKeccak256 keccak;
  auto key = platform::Secp256k1Key::from_private_key(hex(kAnvilKey0), keccak);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(platform::to_string((*key)->address()), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  EXPECT_FALSE(platform::Secp256k1Key::from_private_key(Bytes(32, 0), keccak).ok());
  EXPECT_FALSE(platform::Secp256k1Key::from_private_key(Bytes(31, 1), keccak).ok());
}

// The vector comes from an independent signer:
//   cast mktx --private-key <anvil key 0> 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 <data>
//     --chain 31337 --nonce 5 --gas-limit 30000 --priority-gas-price 1gwei --gas-price 3gwei
TEST(Eip1559Transaction, SignsByteForByteLikeCast) {
  platform::CryptoppKeccak256 keccak;
  auto key = platform::Secp256k1Key::from_private_key(hex(kAnvilKey0), keccak).value();
  Eip1559Transaction tx;
  tx.chain_id = 31337;
  tx.nonce = 5;
  tx.max_priority_fee_per_gas = 1'000'000'000;
  tx.max_fee_per_gas = 3'000'000'000;
  tx.gas_limit = 30000;
  tx.to = platform::parse_evm_address("0x70997970C51812dc3A010C7d01b50e0d17dc79C8").value();
  tx.data = hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0000000000000007");
  auto signature = key->sign(keccak.digest(tx.signing_payload()));
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(to_hex(tx.encode_signed(*signature)),
            "02f894827a6905843b9aca0084b2d05e008275309470997970c51812dc3a010c7d01b50e0d17dc79c8"
            "80a800112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0000000000000007"
            "c001a0ae86b8e7790c99ec42979f7d313579109bbea227f1e80f6ed52dee9a9dd1c562a0640a0d507d12"
            "8d52b3332fa3deb8664575c4324438280eb6956cd8d709244c34");
}

TEST(EvmAddress, ParsingNamesWhatIsWrong) {
  EXPECT_TRUE(platform::parse_evm_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266").ok());
  for (const char* bad : {"f39fd6e51aad88f6f4ce6ab8827279cfffb92266", "0x1234",
                          "0xz39fd6e51aad88f6f4ce6ab8827279cfffb92266"}) {
    auto parsed = platform::parse_evm_address(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.error().message().find(bad), std::string::npos);
  }
}

}  // namespace
}  // namespace vs::gateway
