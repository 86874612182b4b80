#include "vs/agent/chain_audit.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "vs/platform/mbedtls_random.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {
namespace {

class ChainAuditTest : public ::testing::Test {
 protected:
  void SetUp() override { chain_ = DeviceChain::open(store_, *signer_, sha_, random_).value(); }
  // `blocks` blocks of 3 signed readings, then one reading left pending.
  void grow(int blocks, DeviceChain* chain = nullptr) {
    if (chain == nullptr) chain = chain_.get();
    for (int b = 0; b < blocks; ++b) {
      for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(chain
                        ->record(proto::Reading{proto::VitalKind::kHeartRate, 60 + i, 0, 0, 0, {}},
                                 time_ms_++, true)
                        .ok());
      }
      ASSERT_TRUE(chain->seal(time_ms_, proto::SealReason::kCount, 3).ok());
    }
    ASSERT_TRUE(
        chain->record(proto::Reading{proto::VitalKind::kSpo2, 97, 0, 0, 0, {}}, time_ms_++, false)
            .ok());
  }
  // Replaces the block at `height` by itself with one entry's value changed.
  void tamper(std::uint64_t height) {
    Bytes stored = chain_->block(height).value().value();
    auto block = proto::WireCodec::decode_block(stored).value();
    auto entry = proto::WireCodec::decode_entry(block.entries[1]).value();
    std::get<proto::Reading>(entry.body).mantissa += 1;
    block.entries[1] = proto::WireCodec::encode(entry).value();
    platform::WriteBatch batch;
    batch.put(kBlocksTable, platform::u64_key(height), proto::WireCodec::encode(block).value());
    ASSERT_TRUE(store_.commit(batch).ok());
  }
  ChainAuditReport audit(const ChainAuditReport* earlier = nullptr) {
    auto report = audit_chain(store_, sha_, keys_, {}, earlier);
    EXPECT_TRUE(report.ok()) << report.error().message();
    return std::move(report).value();
  }

  vs::testing::MemoryStore store_{4};
  std::unique_ptr<platform::MbedtlsSigner> signer_ = platform::MbedtlsSigner::generate().value();
  platform::MbedtlsSha256 sha_;
  platform::MbedtlsRandom random_;
  platform::OpensslVerifierFactory keys_;
  std::unique_ptr<DeviceChain> chain_;
  std::uint64_t time_ms_ = 1'767'225'600'000ULL;
};

TEST_F(ChainAuditTest, AnIncrementalAuditCountsWhatAFullOneCounts) {
  grow(4);
  ChainAuditReport first = audit();
  ASSERT_FALSE(first.failure);
  EXPECT_EQ(first.blocks, 4u);
  ASSERT_EQ(first.public_keys.size(), 1u);
  EXPECT_TRUE(equal(first.public_keys.front(), signer_->public_key()));
  grow(3);
  ChainAuditReport full = audit();
  ChainAuditReport incremental = audit(&first);
  ASSERT_FALSE(full.failure);
  ASSERT_FALSE(incremental.failure) << incremental.failure->message();
  EXPECT_EQ(incremental.blocks, full.blocks);
  EXPECT_EQ(incremental.entries_in_blocks, full.entries_in_blocks);
  EXPECT_EQ(incremental.pending_entries, full.pending_entries);
  EXPECT_EQ(incremental.next_seq, full.next_seq);
  EXPECT_EQ(incremental.tip->hash, full.tip->hash);
  EXPECT_EQ(incremental.entries_in_blocks + incremental.pending_entries, incremental.next_seq);
  // Nothing new: the pinned tip is the tip.
  ChainAuditReport again = audit(&incremental);
  EXPECT_FALSE(again.failure);
  EXPECT_EQ(again.blocks, full.blocks);
}

TEST_F(ChainAuditTest, TheIncrementalAuditChecksEveryBlockAfterThePinnedOne) {
  grow(3);
  ChainAuditReport first = audit();
  grow(3);
  tamper(4);
  ChainAuditReport incremental = audit(&first);
  ASSERT_TRUE(incremental.failure);
  EXPECT_NE(incremental.failure->message().find("height 4"), std::string::npos)
      << incremental.failure->message();
}

TEST_F(ChainAuditTest, APinnedBlockThatChangedFailsTheIncrementalAudit) {
  grow(3);
  ChainAuditReport first = audit();
  grow(2);
  tamper(2);  // the earlier audit's tip
  ChainAuditReport incremental = audit(&first);
  ASSERT_TRUE(incremental.failure);
  EXPECT_NE(incremental.failure->message().find("height 2"), std::string::npos)
      << incremental.failure->message();
}

TEST_F(ChainAuditTest, APinnedBlockReplacedByAnotherValidBlockFailsTheIncrementalAudit) {
  grow(2);
  // A copy of the store where the same device goes on differently: its
  // block 2 links to the same block 1 and is validly signed, but is another.
  vs::testing::MemoryStore fork{kAgentTableNames.size()};
  platform::WriteBatch copy;
  for (platform::TableId table = 0; table < kAgentTableNames.size(); ++table) {
    for (const platform::Record& record : store_.scan(table, {}, 1'000'000).value())
      copy.put(table, record.key, record.value);
  }
  ASSERT_TRUE(fork.commit(copy).ok());
  auto forked = DeviceChain::open(fork, *signer_, sha_, random_).value();
  grow(1);
  ChainAuditReport first = audit();
  ASSERT_EQ(first.tip->height, 2u);
  grow(1, forked.get());
  platform::WriteBatch swap;
  swap.put(kBlocksTable, platform::u64_key(2), forked->block(2).value().value());
  ASSERT_TRUE(store_.commit(swap).ok());
  ChainAuditReport incremental = audit(&first);
  ASSERT_TRUE(incremental.failure);
  EXPECT_EQ(incremental.failure->message(),
            "height 2: block changed since the earlier audit [integrity]");
}

TEST_F(ChainAuditTest, AnEarlierReportWithAFailureIsNotTrusted) {
  grow(3);
  tamper(1);
  ChainAuditReport first = audit();
  ASSERT_TRUE(first.failure);
  ChainAuditReport second = audit(&first);
  ASSERT_TRUE(second.failure);
  EXPECT_NE(second.failure->message().find("height 1"), std::string::npos)
      << second.failure->message();
}

}  // namespace
}  // namespace vs::agent
