#include "vs/chain/merkle.h"

#include <gtest/gtest.h>

#include "vs/platform/mbedtls_sha256.h"

namespace vs::chain {
namespace {

class MerkleTest : public ::testing::Test {
 protected:
  MerkleTest() {
    // The Certificate Transparency reference leaves (RFC 6962 test vectors).
    for (std::string_view hex : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                 "606162636465666768696a6b6c6d6e6f"}) {
      reference_leaves_.push_back(merkle_.leaf_hash(from_hex(hex).value()));
    }
  }
  std::span<const Digest> first(std::size_t n) const {
    return std::span<const Digest>(reference_leaves_).first(n);
  }
  std::vector<Digest> many(std::size_t n) const {
    std::vector<Digest> leaves;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t data[2] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i * 7)};
      leaves.push_back(merkle_.leaf_hash(data));
    }
    return leaves;
  }

  platform::MbedtlsSha256 sha_;
  Merkle merkle_{sha_};
  std::vector<Digest> reference_leaves_;
};

TEST_F(MerkleTest, RootsMatchTheRfc6962Vectors) {
  const char* roots[] = {
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  for (std::size_t n = 0; n <= 8; ++n) EXPECT_EQ(to_hex(merkle_.root(first(n))), roots[n]) << n;
}

TEST_F(MerkleTest, InclusionProofsMatchTheRfc6962Vectors) {
  auto proof0 = merkle_.inclusion_proof(first(8), 0).value();
  ASSERT_EQ(proof0.size(), 3u);
  EXPECT_EQ(to_hex(proof0[0]), "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
  EXPECT_EQ(to_hex(proof0[1]), "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  EXPECT_EQ(to_hex(proof0[2]), "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
  auto proof5 = merkle_.inclusion_proof(first(8), 5).value();
  ASSERT_EQ(proof5.size(), 3u);
  EXPECT_EQ(to_hex(proof5[0]), "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  EXPECT_EQ(to_hex(proof5[1]), "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
  EXPECT_EQ(to_hex(proof5[2]), "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
}

TEST_F(MerkleTest, ConsistencyProofsMatchTheRfc6962Vectors) {
  auto proof_2_8 = merkle_.consistency_proof(first(8), 2).value();
  ASSERT_EQ(proof_2_8.size(), 2u);
  EXPECT_EQ(to_hex(proof_2_8[0]),
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  EXPECT_EQ(to_hex(proof_2_8[1]),
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
  auto proof_6_8 = merkle_.consistency_proof(first(8), 6).value();
  ASSERT_EQ(proof_6_8.size(), 3u);
  EXPECT_EQ(to_hex(proof_6_8[0]),
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
  EXPECT_EQ(to_hex(proof_6_8[1]),
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
  EXPECT_EQ(to_hex(proof_6_8[2]),
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
  auto proof_2_5 = merkle_.consistency_proof(first(5), 2).value();
  ASSERT_EQ(proof_2_5.size(), 2u);
  EXPECT_EQ(to_hex(proof_2_5[0]),
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
  EXPECT_EQ(to_hex(proof_2_5[1]),
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  EXPECT_TRUE(
      merkle_.verify_consistency(6, 8, merkle_.root(first(6)), merkle_.root(first(8)), proof_6_8)
          .ok());
}

TEST_F(MerkleTest, EveryInclusionProofVerifiesAndNoMangledOneDoes) {
  auto leaves = many(40);
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    std::span<const Digest> tree(leaves.data(), n);
    Digest root = merkle_.root(tree);
    for (std::size_t i = 0; i < n; ++i) {
      auto proof = merkle_.inclusion_proof(tree, i).value();
      ASSERT_TRUE(merkle_.verify_inclusion(tree[i], i, n, proof, root).ok()) << i << "/" << n;
      if (n > 1) {
        EXPECT_FALSE(merkle_.verify_inclusion(tree[i], (i + 1) % n, n, proof, root).ok());
        EXPECT_FALSE(merkle_.verify_inclusion(tree[(i + 1) % n], i, n, proof, root).ok());
      }
      if (!proof.empty()) {
        auto flipped = proof;
        flipped.back()[7] ^= 0x01;
        EXPECT_FALSE(merkle_.verify_inclusion(tree[i], i, n, flipped, root).ok());
        auto truncated = proof;
        truncated.pop_back();
        EXPECT_FALSE(merkle_.verify_inclusion(tree[i], i, n, truncated, root).ok());
      }
      auto extended = proof;
      extended.push_back(Digest{});
      EXPECT_FALSE(merkle_.verify_inclusion(tree[i], i, n, extended, root).ok());
    }
  }
}

TEST_F(MerkleTest, EveryConsistencyProofVerifiesAndNoMangledOneDoes) {
  auto leaves = many(40);
  std::vector<Digest> roots;
  for (std::size_t n = 0; n <= leaves.size(); ++n)
    roots.push_back(merkle_.root({leaves.data(), n}));
  for (std::size_t n = 0; n <= leaves.size(); ++n) {
    std::span<const Digest> tree(leaves.data(), n);
    for (std::size_t m = 0; m <= n; ++m) {
      auto proof = merkle_.consistency_proof(tree, m).value();
      ASSERT_TRUE(merkle_.verify_consistency(m, n, roots[m], roots[n], proof).ok())
          << m << "->" << n;
      if (m > 0 && m < n) {
        EXPECT_FALSE(merkle_.verify_consistency(m, n, roots[m], roots[n - 1], proof).ok());
        EXPECT_FALSE(merkle_.verify_consistency(m, n, roots[m - 1], roots[n], proof).ok());
        auto flipped = proof;
        flipped.front()[3] ^= 0x80;
        EXPECT_FALSE(merkle_.verify_consistency(m, n, roots[m], roots[n], flipped).ok());
        auto truncated = proof;
        truncated.pop_back();
        EXPECT_FALSE(merkle_.verify_consistency(m, n, roots[m], roots[n], truncated).ok());
        auto extended = proof;
        extended.push_back(Digest{});
        EXPECT_FALSE(merkle_.verify_consistency(m, n, roots[m], roots[n], extended).ok());
      }
    }
  }
}

TEST_F(MerkleTest, AllInclusionProofsAtOnceMatchTheOneByOneProofs) {
  auto leaves = many(70);
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    std::span<const Digest> tree(leaves.data(), n);
    auto all = merkle_.all_inclusion_proofs(tree);
    ASSERT_EQ(all.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(all[i], merkle_.inclusion_proof(tree, i).value()) << i << "/" << n;
    }
  }
  EXPECT_TRUE(merkle_.all_inclusion_proofs({}).empty());
}

TEST_F(MerkleTest, DegenerateCases) {
  EXPECT_FALSE(merkle_.inclusion_proof(first(8), 8).ok());
  EXPECT_FALSE(merkle_.consistency_proof(first(3), 4).ok());
  Digest root8 = merkle_.root(first(8));
  EXPECT_FALSE(merkle_.verify_inclusion(reference_leaves_[0], 8, 8, {}, root8).ok());
  EXPECT_FALSE(merkle_.verify_consistency(8, 6, root8, root8, {}).ok());
  EXPECT_TRUE(
      merkle_.verify_consistency(4, 4, merkle_.root(first(4)), merkle_.root(first(4)), {}).ok());
  EXPECT_FALSE(merkle_.verify_consistency(4, 4, merkle_.root(first(4)), root8, {}).ok());
  EXPECT_FALSE(merkle_.verify_consistency(6, 8, merkle_.root(first(6)), root8, {}).ok());
  EXPECT_TRUE(merkle_.verify_consistency(0, 8, merkle_.root({}), root8, {}).ok());
  EXPECT_FALSE(merkle_.verify_consistency(0, 8, root8, root8, {}).ok());
}

}  // namespace
}  // namespace vs::chain
