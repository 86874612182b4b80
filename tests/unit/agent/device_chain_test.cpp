#include "vs/agent/device_chain.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "temp_dir.h"
#include "vs/chain/chain_verifier.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/mbedtls_random.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {
namespace {

proto::Reading heart_rate(std::int64_t value, std::uint32_t quality = proto::kQualityOk) {
  return proto::Reading{proto::VitalKind::kHeartRate, value, 0, quality, 0, {}};
}

class DeviceChainTest : public ::testing::Test {
 protected:
  std::unique_ptr<DeviceChain> open() {
    auto chain = DeviceChain::open(store_, *signer_, sha_, random_);
    EXPECT_TRUE(chain.ok()) << chain.error().message();
    return std::move(chain).value();
  }
  // Every block in the store, verified as the gateway would.
  std::vector<chain::VerifiedBlock> verify_all(const DeviceChain& device) {
    auto follower = chain::ChainVerifier::from_genesis(sha_, keys_, signer_->public_key()).value();
    std::vector<chain::VerifiedBlock> blocks;
    for (std::uint64_t height = device.pruned_below();
         device.tip() && height <= device.tip()->height; ++height) {
      auto bytes = device.block(height).value();
      EXPECT_TRUE(bytes.has_value()) << height;
      auto verified = follower.append(*bytes);
      EXPECT_TRUE(verified.ok()) << verified.error().message();
      blocks.push_back(std::move(verified).value());
    }
    return blocks;
  }
  proto::ReceiptBody anchored(std::uint64_t height, std::uint64_t batch) {
    proto::ReceiptBody body;
    body.state = proto::ReceiptState::kAnchored;
    body.block_height = height;
    body.batch_id = batch;
    body.batch_root = Bytes(32, static_cast<std::uint8_t>(batch));
    return body;
  }
  Bytes receipt_bytes(const proto::ReceiptBody& body) {
    proto::Receipt receipt{proto::WireCodec::encode(body).value(), Bytes(64, 1), Bytes(16, 2)};
    return proto::WireCodec::encode(receipt).value();
  }

  vs::testing::MemoryStore store_{4};
  std::unique_ptr<platform::MbedtlsSigner> signer_ = platform::MbedtlsSigner::generate().value();
  platform::MbedtlsSha256 sha_;
  platform::MbedtlsRandom random_;
  platform::OpensslVerifierFactory keys_;
};

TEST_F(DeviceChainTest, SeqIsConsecutiveAndSurvivesReopen) {
  {
    auto device = open();
    EXPECT_EQ(device->record(heart_rate(70), 1000, true).value().seq, 0u);
    EXPECT_EQ(device->record(heart_rate(71), 2000, false).value().seq, 1u);
  }
  auto device = open();
  EXPECT_EQ(device->next_seq(), 2u);
  EXPECT_EQ(device->pending_entries(), 2u);
  EXPECT_EQ(device->record(heart_rate(72), 3000, true).value().seq, 2u);
}

TEST_F(DeviceChainTest, SealedBlocksFormAChainTheGatewayAccepts) {
  auto device = open();
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(
        device->record(heart_rate(60 + i), 1000u * static_cast<unsigned>(i), i % 2 == 0).ok());
  auto first = device->seal(20'000, proto::SealReason::kCount, 4).value();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->header.entry_count, 4u);
  ASSERT_TRUE(device->seal(21'000, proto::SealReason::kCount, 4).value().has_value());
  ASSERT_TRUE(device->seal(22'000, proto::SealReason::kTime, 4).value().has_value());
  EXPECT_FALSE(device->seal(23'000, proto::SealReason::kTime, 4).value().has_value());
  EXPECT_EQ(device->pending_entries(), 0u);
  EXPECT_EQ(device->tip()->height, 2u);
  auto blocks = verify_all(*device);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[2].header.last_seq, 9u);
  EXPECT_EQ(std::get<proto::Reading>(blocks[1].entries[0].body).mantissa, 64);

  auto reopened = open();
  EXPECT_EQ(reopened->tip()->height, 2u);
  EXPECT_EQ(reopened->tip()->hash, device->tip()->hash);
  ASSERT_TRUE(reopened->record(heart_rate(99), 30'000, true).ok());
  ASSERT_TRUE(reopened->seal(31'000, proto::SealReason::kAlarm, 64).value().has_value());
  EXPECT_EQ(verify_all(*reopened).size(), 4u);
}

TEST_F(DeviceChainTest, AKeyRotationIsSealedByTheOldKeyAndTheNewOneSignsFromTheNextBlock) {
  auto next = platform::MbedtlsSigner::generate().value();
  {
    auto device = open();
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(device->record(heart_rate(60 + i), 1000, true).ok());
    auto sealed = device->rotate_key(*next, "device-2", 5000, 4);
    ASSERT_TRUE(sealed.ok()) << sealed.error().message();
    // Six pending entries and the event: two blocks, the event last.
    ASSERT_EQ(sealed->size(), 2u);
    EXPECT_EQ(sealed->back().header.key_index, 0u);
    EXPECT_EQ(sealed->back().header.seal_reason, proto::SealReason::kKeyRotation);
    EXPECT_EQ(device->pending_entries(), 0u);
    EXPECT_EQ(device->key_index(), 1u);
    ASSERT_TRUE(device->record(heart_rate(80), 6000, true).ok());
    auto after = device->seal(7000, proto::SealReason::kCount, 4).value();
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->header.key_index, 1u);
    // The gateway's verifier follows the rotation from the first key alone.
    auto blocks = verify_all(*device);
    ASSERT_EQ(blocks.size(), 3u);
    const auto& event = std::get<proto::Event>(blocks[1].entries.back().body);
    EXPECT_EQ(event.kind, proto::EventKind::kKeyRotation);
    EXPECT_EQ(event.key_index, 1u);
    EXPECT_TRUE(equal(event.public_key, next->public_key()));
    EXPECT_EQ(DeviceChain::inspect(store_).value().key_name, "device-2");
  }
  // Reopened, the chain takes only its current key; its id stays the first key's.
  EXPECT_EQ(DeviceChain::open(store_, *signer_, sha_, random_).error().code(),
            ErrorCode::kIntegrity);
  auto reopened = DeviceChain::open(store_, *next, sha_, random_);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message();
  EXPECT_EQ((*reopened)->device_id(),
            chain::DeviceId::from_public_key(sha_, signer_->public_key()));
  ASSERT_TRUE((*reopened)->record(heart_rate(81), 8000, true).ok());
  ASSERT_TRUE((*reopened)->seal(9000, proto::SealReason::kCount, 4).value().has_value());
  EXPECT_EQ(verify_all(**reopened).size(), 4u);
}

TEST_F(DeviceChainTest, FailedCommitsTakeNothing) {
  auto device = open();
  ASSERT_TRUE(device->record(heart_rate(70), 1000, true).ok());
  store_.fail_next_commits(1);
  auto failed = device->record(heart_rate(71), 2000, true);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kIo);
  EXPECT_EQ(device->record(heart_rate(72), 3000, true).value().seq, 1u);  // seq 1 was never taken

  store_.fail_next_commits(1);
  EXPECT_FALSE(device->seal(4000, proto::SealReason::kCount, 10).ok());
  EXPECT_EQ(device->pending_entries(), 2u);
  EXPECT_FALSE(device->tip().has_value());
  ASSERT_TRUE(device->seal(5000, proto::SealReason::kCount, 10).value().has_value());
  EXPECT_EQ(verify_all(*device).size(), 1u);
}

TEST_F(DeviceChainTest, AWindowIsOneBatchOfEntriesBlocksAndHeldReceipts) {
  auto device = open();
  device->hold_receipts(true);
  ASSERT_TRUE(device->record(heart_rate(60), 1000, true).ok());  // stored pending: seq 0
  ASSERT_TRUE(device->seal(1500, proto::SealReason::kCount, 10).ok());
  ASSERT_TRUE(device->record(heart_rate(61), 2000, true).ok());  // seq 1, stays pending
  // A held receipt is seen at once but written by the next window.
  ASSERT_EQ(device->accept_receipt(0, receipt_bytes(anchored(0, 7)), anchored(0, 7)).value(),
            DeviceChain::ReceiptOutcome::kStored);
  EXPECT_TRUE(device->has_anchored_receipt(0).value());
  EXPECT_EQ(device->held_receipts(), 1u);
  EXPECT_EQ(device->retired_below(), 0u);
  EXPECT_FALSE(open()->receipt(0).value().has_value()) << "a held receipt reached the store";
  EXPECT_EQ(device->accept_receipt(0, receipt_bytes(anchored(0, 7)), anchored(0, 7)).value(),
            DeviceChain::ReceiptOutcome::kUnchanged);

  std::vector<DeviceChain::NewEntry> items;
  for (int i = 0; i < 5; ++i) {
    items.push_back({heart_rate(62 + i), 3000u + static_cast<unsigned>(i), i % 2 == 0});
  }
  std::vector<std::uint64_t> asked;  // pending counts seal_due was asked about
  auto seal_due = [&](std::uint64_t pending) -> std::optional<proto::SealReason> {
    asked.push_back(pending);
    if (pending >= 4) return proto::SealReason::kCount;
    return std::nullopt;
  };
  int commits_before = store_.commits();
  auto window = device->commit_window(items, 9000, 4, seal_due).value();
  EXPECT_EQ(store_.commits(), commits_before + 1);
  EXPECT_EQ(asked, (std::vector<std::uint64_t>{6, 2}));
  ASSERT_EQ(window.recorded.size(), 5u);
  EXPECT_EQ(window.recorded.front().seq, 2u);
  ASSERT_EQ(window.sealed.size(), 1u);
  EXPECT_EQ(window.sealed[0].header.first_seq, 1u);  // the stored pending one first
  EXPECT_EQ(window.sealed[0].header.last_seq, 4u);
  EXPECT_EQ(window.sealed[0].header.anchor_batch_id, 7u);  // the receipt in the same batch
  EXPECT_EQ(window.receipts, 1u);
  EXPECT_EQ(device->held_receipts(), 0u);
  EXPECT_EQ(device->pending_entries(), 2u);
  EXPECT_EQ(device->retired_below(), 1u);

  auto reopened = open();
  EXPECT_EQ(reopened->next_seq(), 7u);
  EXPECT_EQ(reopened->pending_entries(), 2u);
  EXPECT_EQ(reopened->retired_below(), 1u);
  EXPECT_TRUE(reopened->has_anchored_receipt(0).value());
  auto blocks = verify_all(*reopened);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(std::get<proto::Reading>(blocks[1].entries[1].body).mantissa, 62);
  ASSERT_TRUE(reopened->seal(9500, proto::SealReason::kTime, 10).value().has_value());
  EXPECT_EQ(verify_all(*reopened).back().header.first_seq, 5u);
}

TEST_F(DeviceChainTest, AFailedWindowTakesNothingAndKeepsItsReceiptsHeld) {
  auto device = open();
  device->hold_receipts(true);
  ASSERT_TRUE(device->record(heart_rate(60), 1000, true).ok());
  ASSERT_TRUE(device->seal(1500, proto::SealReason::kCount, 10).ok());
  ASSERT_TRUE(device->accept_receipt(0, receipt_bytes(anchored(0, 3)), anchored(0, 3)).ok());
  std::vector<DeviceChain::NewEntry> items{{heart_rate(61), 2000, true}};
  auto always = [](std::uint64_t pending) -> std::optional<proto::SealReason> {
    return pending > 0 ? std::optional(proto::SealReason::kTime) : std::nullopt;
  };
  store_.fail_next_commits(1, ErrorCode::kNoSpace);
  auto failed = device->commit_window(items, 3000, 10, always);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kNoSpace);
  EXPECT_EQ(device->next_seq(), 1u);
  EXPECT_EQ(device->tip()->height, 0u);
  EXPECT_EQ(device->held_receipts(), 1u);
  EXPECT_EQ(device->retired_below(), 0u);
  // Part by part, as the agent does on a full store: receipts first.
  EXPECT_EQ(device->commit_held_receipts().value(), 1u);
  EXPECT_EQ(device->retired_below(), 1u);
  EXPECT_TRUE(open()->has_anchored_receipt(0).value());
  auto window = device->commit_window(items, 4000, 10, always).value();
  EXPECT_EQ(window.recorded.front().seq, 1u);  // seq 1 was never taken by the failed one
  EXPECT_EQ(window.sealed.size(), 1u);
  EXPECT_EQ(verify_all(*device).size(), 2u);
}

TEST_F(DeviceChainTest, ReceiptsRetireContiguousHeightsAndFeedTheNextHeader) {
  auto device = open();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(device->record(heart_rate(70), 1000, false).ok());
    ASSERT_TRUE(device->seal(2000, proto::SealReason::kCount, 10).ok());
  }
  EXPECT_EQ(device->backlog_blocks(), 3u);
  ASSERT_TRUE(device->accept_receipt(1, receipt_bytes(anchored(1, 5)), anchored(1, 5)).ok());
  EXPECT_EQ(device->retired_below(), 0u);  // height 0 still open
  ASSERT_TRUE(device->accept_receipt(0, receipt_bytes(anchored(0, 4)), anchored(0, 4)).ok());
  EXPECT_EQ(device->retired_below(), 2u);
  EXPECT_EQ(device->backlog_blocks(), 1u);
  EXPECT_EQ(device->newest_anchor()->batch_id, 5u);

  ASSERT_TRUE(device->record(heart_rate(70), 3000, false).ok());
  auto next = device->seal(4000, proto::SealReason::kCount, 10).value();
  EXPECT_EQ(next->header.anchor_batch_id, 5u);
  EXPECT_EQ(next->header.anchor_batch_root, Bytes(32, 5));
  EXPECT_EQ(open()->retired_below(), 2u);
  EXPECT_FALSE(device->accept_receipt(9, receipt_bytes(anchored(9, 6)), anchored(9, 6)).ok());
}

TEST_F(DeviceChainTest, ReceiptsOnlyMoveForward) {
  auto device = open();
  ASSERT_TRUE(device->record(heart_rate(70), 1000, false).ok());
  ASSERT_TRUE(device->seal(2000, proto::SealReason::kCount, 10).ok());
  auto with_state = [&](proto::ReceiptState state, std::uint64_t batch) {
    proto::ReceiptBody body = anchored(0, batch);
    body.state = state;
    if (state == proto::ReceiptState::kPending) body.batch_root.clear();
    return body;
  };
  auto offer = [&](const proto::ReceiptBody& body) {
    return device->accept_receipt(0, receipt_bytes(body), body);
  };
  using Outcome = DeviceChain::ReceiptOutcome;
  using State = proto::ReceiptState;
  const auto pending = with_state(State::kPending, 0);
  const auto anchored_3 = with_state(State::kAnchored, 3);
  const auto final_3 = with_state(State::kFinal, 3);
  const auto anchored_4 = with_state(State::kAnchored, 4);  // after a reorg

  EXPECT_EQ(offer(pending).value(), Outcome::kStored);
  EXPECT_EQ(offer(pending).value(), Outcome::kUnchanged);  // a repeat writes nothing
  EXPECT_EQ(offer(anchored_3).value(), Outcome::kStored);
  EXPECT_EQ(offer(pending).error().code(), ErrorCode::kConflict);
  EXPECT_EQ(offer(final_3).value(), Outcome::kStored);
  EXPECT_EQ(offer(anchored_3).error().code(), ErrorCode::kConflict);  // the downgrade
  EXPECT_EQ(offer(pending).error().code(), ErrorCode::kConflict);
  EXPECT_EQ(offer(anchored_4).value(), Outcome::kStored);  // anchored again in a later batch
  EXPECT_EQ(offer(final_3).error().code(), ErrorCode::kConflict);
  EXPECT_EQ(device->receipt(0).value(), receipt_bytes(anchored_4));
  EXPECT_EQ(device->retired_below(), 1u);
  EXPECT_EQ(device->newest_anchor()->batch_id, 4u);
}

TEST_F(DeviceChainTest, FullStorageRefusesReadingsThenRecordsTheGap) {
  auto device = open();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(device->record(heart_rate(70), 1000, true).ok());
    ASSERT_TRUE(device->seal(2000, proto::SealReason::kCount, 10).ok());
  }
  store_.set_limit_bytes(store_.usage().value().used_bytes + 50);
  auto refused = device->record(heart_rate(71), 3000, true);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kNoSpace);
  EXPECT_FALSE(device->record(heart_rate(72), 3001, true).ok());
  EXPECT_EQ(device->refused_readings(), 2u);
  std::uint64_t tip_before = device->tip()->height;

  // Receipts arrive: anchored blocks may go, and the next reading makes room.
  for (std::uint64_t height = 0; height < 10; ++height) {
    ASSERT_TRUE(
        device->accept_receipt(height, receipt_bytes(anchored(height, 1)), anchored(height, 1))
            .ok());
  }
  auto taken = device->record(heart_rate(73), 4000, true);
  ASSERT_TRUE(taken.ok()) << taken.error().message();
  EXPECT_GT(device->pruned_below(), 0u);
  EXPECT_EQ(device->refused_readings(), 0u);
  EXPECT_EQ(device->tip()->height, tip_before);  // no unanchored block was dropped
  for (std::uint64_t height = device->retired_below(); height <= tip_before; ++height) {
    EXPECT_TRUE(device->block(height).value().has_value()) << height;
  }
  auto sealed = device->seal(5000, proto::SealReason::kCount, 10).value();
  ASSERT_TRUE(sealed.has_value());
  auto gap = proto::WireCodec::decode_entry(sealed->block.entries[0]).value();
  const auto& event = std::get<proto::Event>(gap.body);
  EXPECT_EQ(event.kind, proto::EventKind::kGap);
  EXPECT_EQ(event.count, 2u);
  EXPECT_EQ(std::get<proto::Reading>(
                proto::WireCodec::decode_entry(sealed->block.entries[1]).value().body)
                .mantissa,
            73);
}

TEST_F(DeviceChainTest, InconsistentStoredStateIsRefusedAtOpen) {
  {
    auto device = open();
    ASSERT_TRUE(device->record(heart_rate(70), 1000, true).ok());
  }
  platform::WriteBatch corrupt;
  corrupt.put(kMetaTable, as_bytes("next_seq"), platform::u64_key(7));
  ASSERT_TRUE(store_.commit(corrupt).ok());
  auto reopened = DeviceChain::open(store_, *signer_, sha_, random_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().message(),
            "device chain: stored next seq does not match the committed entries [integrity]");
}

// A store on a disk smaller than its ceiling: the real LMDB store, with
// the filesystem's free space standing for an 8 MiB disk that the file
// grows into. The device must refuse readings before the disk is full, take
// every receipt, prune, and take readings again, with nobody's help.
TEST(DeviceChainOnASmallDisk, FillsRefusesTakesReceiptsAndRecoversByItself) {
  vs::testing::TempDir dir;
  constexpr std::uint64_t kDiskBytes = 8ULL << 20;
  platform::LmdbStoreOptions options;
  options.directory = dir.path();
  options.tables = kAgentTableNames;
  options.max_map_bytes = 256ULL << 20;  // the default store.max_mb, far above the disk
  options.durability = platform::Durability::kGroupCommit;
  options.filesystem_free = [&](const std::filesystem::path& path) -> Result<std::uint64_t> {
    std::uint64_t file = std::filesystem::file_size(path / "data.mdb");
    return file < kDiskBytes ? kDiskBytes - file : 0;
  };
  auto store = platform::LmdbStore::open(options).value();
  auto signer = platform::MbedtlsSigner::generate().value();
  platform::MbedtlsSha256 sha;
  platform::MbedtlsRandom random;
  auto device = DeviceChain::open(*store, *signer, sha, random).value();

  // An outage: readings until the device says it is full.
  std::uint64_t taken = 0;
  Result<RecordedEntry> refused = Error(ErrorCode::kInternal, "never refused");
  for (; taken < 1'000'000; ++taken) {
    refused = device->record(proto::Reading{proto::VitalKind::kEcg, 0, 0, proto::kQualityOk,
                                            250'000, std::vector<std::int32_t>(1500, 7)},
                             1000 + taken, false);
    if (!refused) break;
    if (device->pending_entries() >= 64) {
      ASSERT_TRUE(device->seal(2000 + taken, proto::SealReason::kCount, 64).ok());
    }
  }
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kNoSpace);
  EXPECT_NE(refused.error().message().find("filesystem"), std::string::npos)
      << refused.error().message();
  auto usage = store->usage().value();
  EXPECT_TRUE(usage.filesystem_limited);
  EXPECT_LE(usage.limit_bytes, kDiskBytes);
  EXPECT_LE(std::filesystem::file_size(dir.path() / "data.mdb"), kDiskBytes);

  // The uplink is back: every block's receipt is taken (none refused for
  // room), and the next readings are taken again after pruning.
  std::uint64_t tip = device->tip()->height;
  for (std::uint64_t height = 0; height <= tip; ++height) {
    proto::ReceiptBody body;
    body.state = proto::ReceiptState::kAnchored;
    body.block_height = height;
    body.batch_id = height + 1;
    body.batch_root = Bytes(32, 1);
    proto::Receipt receipt{proto::WireCodec::encode(body).value(), Bytes(64, 1), Bytes(16, 2)};
    auto accepted = device->accept_receipt(height, proto::WireCodec::encode(receipt).value(), body);
    ASSERT_TRUE(accepted.ok()) << height << ": " << accepted.error().message();
  }
  EXPECT_EQ(device->retired_below(), tip + 1);
  auto again = device->record(heart_rate(72), 9'000'000, true);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_GT(device->pruned_below(), 0u);
  EXPECT_LE(std::filesystem::file_size(dir.path() / "data.mdb"), kDiskBytes);
}

}  // namespace
}  // namespace vs::agent
