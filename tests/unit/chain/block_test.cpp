// Sealing and verifying single blocks, and the tamper table: every kind of
// change to a sealed block is caught with an error that names it.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "test_device.h"
#include "vs/chain/block_verifier.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::chain {
namespace {

class BlockTest : public ::testing::Test {
 protected:
  BlockTest()
      : key_(platform::OpensslVerifierFactory().make_verifier(device_.public_key()).value()) {}

  Result<VerifiedBlock> verify(const proto::Block& block) {
    return BlockVerifier(device_.sha()).verify(block, device_.id(), *key_);
  }

 public:
  // Re-encodes a header after a change, keeping the original signature.
  static void edit_header(proto::Block& block,
                          const std::function<void(proto::BlockHeader&)>& edit) {
    auto header = proto::WireCodec::decode_block_header(block.header).value();
    edit(header);
    block.header = proto::WireCodec::encode(header).value();
  }

 protected:
  vs::testing::TestDevice device_;
  std::unique_ptr<platform::Verifier> key_;
};

TEST_F(BlockTest, SealedBlockVerifies) {
  SealedBlock sealed = device_.seal_next(5);
  auto verified = verify(sealed.block);
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_EQ(verified->hash, sealed.hash);
  EXPECT_EQ(verified->entries.size(), 5u);
  EXPECT_EQ(verified->header.first_seq, 0u);
  EXPECT_EQ(verified->header.last_seq, 4u);
  EXPECT_EQ(verified->entries[3], vs::testing::heart_rate_entry(3));
  // The encoded form verifies the same: exact bytes, no re-encoding.
  EXPECT_TRUE(BlockVerifier(device_.sha()).verify(sealed.encoded, device_.id(), *key_).ok());
}

TEST_F(BlockTest, BlockWithoutEntrySignaturesVerifies) {
  SealedBlock sealed = device_.seal_next(3, /*sign_entries=*/false);
  EXPECT_TRUE(sealed.block.entry_signatures.empty());
  EXPECT_TRUE(verify(sealed.block).ok());
}

TEST_F(BlockTest, BlockForAnotherDeviceIsRejected) {
  SealedBlock sealed = device_.seal_next(2);
  vs::testing::TestDevice other;
  auto result = BlockVerifier(device_.sha()).verify(sealed.block, other.id(), *key_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), "block belongs to another device [integrity]");
}

TEST_F(BlockTest, BlockSignedByAnotherKeyIsRejected) {
  vs::testing::TestDevice other;
  SealedBlock sealed = device_.seal_next(2);
  auto other_key = platform::OpensslVerifierFactory().make_verifier(other.public_key()).value();
  auto result = BlockVerifier(device_.sha()).verify(sealed.block, device_.id(), *other_key);
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().reason(), "block signature does not verify with the device key");
}

struct Tamper {
  const char* name;
  std::function<void(proto::Block&)> change;
  const char* expected_reason;
};

void PrintTo(const Tamper& tamper, std::ostream* out) {
  *out << tamper.name;
}

class BlockTamperTest : public BlockTest, public ::testing::WithParamInterface<Tamper> {};

TEST_P(BlockTamperTest, IsCaughtWithItsReason) {
  SealedBlock sealed = device_.seal_next(4);
  proto::Block block = sealed.block;
  GetParam().change(block);
  auto result = verify(block);
  ASSERT_FALSE(result.ok()) << GetParam().name;
  EXPECT_NE(result.error().message().find(GetParam().expected_reason), std::string::npos)
      << GetParam().name << ": " << result.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, BlockTamperTest,
    ::testing::Values(
        Tamper{"FlippedBitInEntry", [](proto::Block& b) { b.entries[1].back() ^= 0x01; },
               "entries do not match the header's entries root"},
        Tamper{"FlippedBitInBlinding", [](proto::Block& b) { b.blindings[2][0] ^= 0x01; },
               "entries do not match the header's entries root"},
        Tamper{"FlippedBitInHeader",
               [](proto::Block& b) {
                 BlockTest::edit_header(b, [](proto::BlockHeader& h) { h.sealed_time_ms ^= 1; });
               },
               "block signature does not verify"},
        Tamper{"FlippedBitInHeaderBytes",
               [](proto::Block& b) {
                 // A bit inside the entries root, found in the exact header bytes:
                 // still decodes, no longer matches its signature.
                 auto header = proto::WireCodec::decode_block_header(b.header).value();
                 auto at = std::search(b.header.begin(), b.header.end(),
                                       header.entries_root.begin(), header.entries_root.end());
                 ASSERT_NE(at, b.header.end());
                 *(at + 5) ^= 0x10;
               },
               "block signature does not verify"},
        Tamper{"FlippedBitInSignature", [](proto::Block& b) { b.signature[10] ^= 0x01; },
               "block signature does not verify"},
        Tamper{"ReorderedEntries",
               [](proto::Block& b) {
                 std::swap(b.entries[0], b.entries[1]);
                 std::swap(b.blindings[0], b.blindings[1]);
                 std::swap(b.entry_signatures[0], b.entry_signatures[1]);
               },
               "entries do not match the header's entries root"},
        Tamper{"DroppedEntry",
               [](proto::Block& b) {
                 b.entries.pop_back();
                 b.blindings.pop_back();
                 b.entry_signatures.pop_back();
               },
               "block carries a different number of entries than its header"},
        Tamper{"MissingBlinding", [](proto::Block& b) { b.blindings.pop_back(); },
               "block does not carry one blinding per entry"},
        Tamper{"ShortBlinding", [](proto::Block& b) { b.blindings[0].pop_back(); },
               "entry 0: blinding is not 32 bytes"},
        Tamper{"TruncatedSignature", [](proto::Block& b) { b.signature.pop_back(); },
               "block signature is not 64 bytes"},
        Tamper{"TamperedEntrySignature", [](proto::Block& b) { b.entry_signatures[3][5] ^= 0x01; },
               "entry 3: entry signature does not verify"},
        Tamper{"PartialEntrySignatures", [](proto::Block& b) { b.entry_signatures.pop_back(); },
               "block carries entry signatures for only some entries"},
        Tamper{"TruncatedHeader", [](proto::Block& b) { b.header.resize(b.header.size() / 2); },
               "block header:"},
        Tamper{"EmptyHeader", [](proto::Block& b) { b.header.clear(); },
               "block header version is not 1"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(BlockTest, ResignedHeaderWithWrongSeqRangeIsRejected) {
  // A device that signs nonsense is still caught: the header must describe its entries.
  std::vector<proto::Entry> entries{vs::testing::heart_rate_entry(0),
                                    vs::testing::heart_rate_entry(1)};
  SealedBlock sealed = device_.seal_entries(entries);
  auto header = proto::WireCodec::decode_block_header(sealed.block.header).value();
  header.first_time_ms += 5;
  proto::Block block = sealed.block;
  block.header = proto::WireCodec::encode(header).value();
  auto signature = device_.signer().sign(device_.sha().digest(block.header)).value();
  block.signature.assign(signature.begin(), signature.end());
  auto result = verify(block);
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().reason(), "entry times do not match the header's time range");
}

TEST_F(BlockTest, TruncatedEncodedBlockIsMalformed) {
  SealedBlock sealed = device_.seal_next(3);
  for (std::size_t cut : {std::size_t{1}, sealed.encoded.size() / 3, sealed.encoded.size() - 1}) {
    auto result = BlockVerifier(device_.sha())
                      .verify(ByteView(sealed.encoded).first(cut), device_.id(), *key_);
    ASSERT_FALSE(result.ok()) << cut;
  }
}

TEST_F(BlockTest, SealerRefusesEmptyAndNonConsecutiveEntries) {
  BlockSealer sealer(device_.sha(), device_.signer());
  SealPosition position;
  EXPECT_EQ(sealer.seal(position, {}).error().code(), ErrorCode::kInvalidArgument);
  std::vector<PendingEntry> gap{device_.pending(vs::testing::heart_rate_entry(0), false),
                                device_.pending(vs::testing::heart_rate_entry(2), false)};
  EXPECT_EQ(sealer.seal(position, gap).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vs::chain
