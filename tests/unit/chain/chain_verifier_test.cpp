#include "vs/chain/chain_verifier.h"

#include <gtest/gtest.h>

#include "test_device.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::chain {
namespace {

class ChainVerifierTest : public ::testing::Test {
 protected:
  ChainVerifier fresh() {
    return ChainVerifier::from_genesis(device_.sha(), keys_, device_.public_key()).value();
  }
  vs::testing::TestDevice device_;
  platform::OpensslVerifierFactory keys_;
};

TEST_F(ChainVerifierTest, FollowsAValidChain) {
  ChainVerifier chain = fresh();
  EXPECT_EQ(chain.device(), device_.id());
  for (int i = 0; i < 5; ++i) {
    SealedBlock block = device_.seal_next(3);
    auto verified = chain.append(block.encoded);
    ASSERT_TRUE(verified.ok()) << verified.error().message();
  }
  ASSERT_TRUE(chain.tip().has_value());
  EXPECT_EQ(chain.tip()->height, 4u);
  EXPECT_EQ(chain.tip()->last_seq, 14u);
}

TEST_F(ChainVerifierTest, ReportsTheFirstBadHeightAndWhy) {
  std::vector<SealedBlock> blocks;
  for (int i = 0; i < 4; ++i) blocks.push_back(device_.seal_next(2));
  blocks[2].block.entries[0].back() ^= 0x01;
  ChainVerifier chain = fresh();
  ASSERT_TRUE(chain.append(blocks[0].block).ok());
  ASSERT_TRUE(chain.append(blocks[1].block).ok());
  auto bad = chain.append(blocks[2].block);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "height 2: entries do not match the header's entries root [integrity]");
  EXPECT_EQ(chain.tip()->height, 1u);  // state unchanged by the bad block
}

TEST_F(ChainVerifierTest, GapReplayAndWrongStartAreRejected) {
  SealedBlock b0 = device_.seal_next(1);
  SealedBlock b1 = device_.seal_next(1);
  SealedBlock b2 = device_.seal_next(1);
  ChainVerifier chain = fresh();
  EXPECT_STREQ(chain.append(b1.block).error().reason(), "chain does not start at height 0");
  ASSERT_TRUE(chain.append(b0.block).ok());
  EXPECT_STREQ(chain.append(b2.block).error().reason(), "block leaves a gap after the chain's tip");
  ASSERT_TRUE(chain.append(b1.block).ok());
  EXPECT_STREQ(chain.append(b1.block).error().reason(),
               "block is at or below the chain's tip (replay?)");
}

TEST_F(ChainVerifierTest, WrongPreviousHashIsRejected) {
  SealedBlock b0 = device_.seal_next(1);
  ChainVerifier chain = fresh();
  ASSERT_TRUE(chain.append(b0.block).ok());
  // A fork: another history signed by the same key, at height 1.
  Digest elsewhere{};
  elsewhere[0] = 0x42;
  SealedBlock fork = device_.seal_at(1, elsewhere, {vs::testing::heart_rate_entry(1)});
  auto result = chain.append(fork.block);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(),
            "height 1: previous hash is not the hash of the tip block [integrity]");
}

TEST_F(ChainVerifierTest, SeqMustContinueAcrossBlocks) {
  SealedBlock b0 = device_.seal_next(2);
  ChainVerifier chain = fresh();
  ASSERT_TRUE(chain.append(b0.block).ok());
  auto result = chain.append(device_.seal_at(1, b0.hash, {vs::testing::heart_rate_entry(5)}).block);
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().reason(), "first seq does not follow the tip's last seq");
}

TEST_F(ChainVerifierTest, KeyRotationHandsOverToTheNewKey) {
  ChainVerifier chain = fresh();
  ASSERT_TRUE(chain.append(device_.seal_next(2).block).ok());
  auto new_key = platform::MbedtlsSigner::generate().value();
  std::vector<proto::Entry> rotation{device_.rotation_event(*new_key)};
  ASSERT_TRUE(chain.append(device_.seal_entries(rotation).block).ok());
  EXPECT_EQ(chain.key_index(), 1u);
  device_.switch_key(std::move(new_key));
  auto after = chain.append(device_.seal_next(2).block);
  ASSERT_TRUE(after.ok()) << after.error().message();
  EXPECT_EQ(chain.public_keys().size(), 2u);
  EXPECT_EQ(chain.device(), device_.id());  // the id stays

  // Resuming from the persisted tip and keys continues the same way.
  auto resumed = ChainVerifier::resume(device_.sha(), keys_, chain.public_keys(), *chain.tip());
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->append(device_.seal_next(1).block).ok());
}

TEST_F(ChainVerifierTest, OldKeyAfterRotationIsRejected) {
  ChainVerifier chain = fresh();
  auto new_key = platform::MbedtlsSigner::generate().value();
  std::vector<proto::Entry> rotation{device_.rotation_event(*new_key)};
  ASSERT_TRUE(chain.append(device_.seal_entries(rotation).block).ok());
  // The device keeps signing with the old key and old index.
  auto result = chain.append(device_.seal_next(1).block);
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().reason(),
               "block is signed with a key index other than the device's current key");
}

TEST_F(ChainVerifierTest, FaultsNameTheRuleBroken) {
  SealedBlock b0 = device_.seal_next(2);
  SealedBlock b1 = device_.seal_next(2);
  SealedBlock b2 = device_.seal_next(2);
  ChainVerifier chain = fresh();
  BlockFault fault = BlockFault::kNone;

  EXPECT_FALSE(chain.append(Bytes{0xff, 0x01}, &fault).ok());
  EXPECT_EQ(fault, BlockFault::kFormat);
  EXPECT_FALSE(chain.append(b1.block, &fault).ok());
  EXPECT_EQ(fault, BlockFault::kLink);  // does not start at height 0

  proto::Block tampered = b0.block;
  tampered.entries[0].back() ^= 0x01;
  EXPECT_FALSE(chain.append(tampered, &fault).ok());
  EXPECT_EQ(fault, BlockFault::kContent);

  proto::Block resigned = b0.block;
  resigned.signature[3] ^= 0x01;
  EXPECT_FALSE(chain.append(resigned, &fault).ok());
  EXPECT_EQ(fault, BlockFault::kSignature);

  vs::testing::TestDevice other;
  EXPECT_FALSE(chain.append(other.seal_next(1).block, &fault).ok());
  EXPECT_EQ(fault, BlockFault::kDevice);

  ASSERT_TRUE(chain.append(b0.block, &fault).ok());
  EXPECT_FALSE(chain.append(b2.block, &fault).ok());
  EXPECT_EQ(fault, BlockFault::kLink);  // a gap
  EXPECT_STREQ(to_string(fault), "link");
}

TEST_F(ChainVerifierTest, GarbageIsAnErrorNotACrash) {
  ChainVerifier chain = fresh();
  Bytes garbage{0xff, 0xff, 0xff, 0x01, 0x02};
  auto result = chain.append(garbage);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(result.error().message().find("first block"), std::string::npos);
}

}  // namespace
}  // namespace vs::chain
