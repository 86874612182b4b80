#include "vs/chain/entry_leaf.h"

#include <gtest/gtest.h>

#include "vs/chain/merkle.h"
#include "vs/platform/mbedtls_sha256.h"

namespace vs::chain {
namespace {

TEST(EntryLeaf, BlindingIsHmacSha256OfLabelAndSeq) {
  platform::MbedtlsSha256 sha;
  // Expected values computed with Python's hmac module.
  Bytes secret(32, 0x5a);
  EXPECT_EQ(to_hex(EntryLeaf::blinding(sha, secret, 7)),
            "0febf5ca80cc3377ccad9a258b230d0a7be577a6304addc8a2fb5111466859e8");
  Bytes long_secret;
  for (int i = 0; i < 100; ++i) long_secret.push_back(static_cast<std::uint8_t>(i));
  EXPECT_EQ(to_hex(EntryLeaf::blinding(sha, long_secret, 0)),
            "e6dfdf33128e0b780eb336e2a5a33ccc016746af67d2962f88ef1d91f3925245");
}

TEST(EntryLeaf, BlindingDiffersPerSeqAndPerDevice) {
  platform::MbedtlsSha256 sha;
  Bytes secret(32, 0x5a);
  Bytes other_secret(32, 0x5b);
  EXPECT_NE(EntryLeaf::blinding(sha, secret, 1), EntryLeaf::blinding(sha, secret, 2));
  EXPECT_NE(EntryLeaf::blinding(sha, secret, 1), EntryLeaf::blinding(sha, other_secret, 1));
}

TEST(EntryLeaf, LeafIsTheRfc9162LeafOfBlindingThenEntry) {
  platform::MbedtlsSha256 sha;
  Bytes blinding(32, 0x01);
  Bytes entry{0x08, 0x05};
  Bytes joined = blinding;
  joined.insert(joined.end(), entry.begin(), entry.end());
  EXPECT_EQ(EntryLeaf::hash(sha, blinding, entry), Merkle(sha).leaf_hash(joined));
}

}  // namespace
}  // namespace vs::chain
