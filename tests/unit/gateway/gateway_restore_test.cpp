// GatewayRestore on the local ledger: a copy is compared with the last
// checkpoint the gateway published before any gateway runs on it.
#include "vs/gateway/gateway_restore.h"
#include "test_log_key.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"
#include "test_device.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

class GatewayRestoreTest : public ::testing::Test {
 protected:
  GatewayRestoreTest() {
    key_ = keys_.create("gateway").value();
    config_.data_dir = dir_.path() / "restored";
    config_.key_dir = dir_.path() / "keys";
    config_.key_name = "gateway";
    config_.ledger_origin = "test/origin";
    config_.checkpoint_file = dir_.path() / "checkpoint.txt";
    config_.store_max_bytes = 64ULL << 20;  // the 4 GiB default does not map on 32-bit boards
    // The log key where the gateway keeps it (made at its first start).
    EXPECT_TRUE(
        platform::write_key_text_file(config_.log_key_path(),
                                      vs::testing::test_log_key(config_.ledger_origin).text(), true)
            .ok());
  }

  // Opens the live store, takes `blocks` more blocks, anchors them on the
  // local log and publishes its checkpoint; returns that checkpoint.
  std::string run_gateway(int blocks) {
    GatewayStoreOptions options;
    options.location = (dir_.path() / "live").string();
    options.access = StoreAccess::kCreate;
    auto state = open_gateway_store(options).value();
    if (!enrolled_) {
      EXPECT_TRUE(DeviceRegistry(*state, sha_, verifiers_).enrol(device_.public_key()).ok());
      enrolled_ = true;
    }
    BlockIngest ingest(*state, sha_, verifiers_, clock_);
    for (int i = 0; i < blocks; ++i)
      EXPECT_EQ(ingest.ingest(device_.id().hex(), device_.seal_next(1).encoded)->kind,
                IngestResult::Kind::kAccepted);
    LocalLedger ledger(*state, sha_, vs::testing::test_log_key(config_.ledger_origin));
    chain::ReceiptSigner signer(sha_, *key_);
    EXPECT_TRUE(BatchAnchorer(*state, sha_, ledger, signer).anchor(1000, 100).ok());
    std::string checkpoint = ledger.checkpoint().value();
    publish(checkpoint);
    return checkpoint;
  }
  void publish(const std::string& checkpoint) {
    std::ofstream(config_.checkpoint_file, std::ios::trunc) << checkpoint;
  }

  vs::testing::TempDir dir_;
  platform::FileKeyStore keys_{dir_.path() / "keys"};
  std::unique_ptr<platform::Signer> key_;
  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory verifiers_;
  platform::SystemClock clock_;
  vs::testing::TestDevice device_;
  bool enrolled_ = false;
  GatewayConfig config_;
};

TEST_F(GatewayRestoreTest, ACopyWhoseLogIsShorterThanTheLastCheckpointIsRefusedAndRemoved) {
  std::string at_copy = run_gateway(2);
  std::filesystem::path copy = dir_.path() / "gateway.backup";
  ASSERT_TRUE(platform::LmdbStore::copy_to_file(dir_.path() / "live", copy).ok());
  run_gateway(1);  // a second log entry, published, then the store is lost

  auto refused = GatewayRestore::run(config_, copy);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  EXPECT_NE(refused.error().message().find("shorter than the last published checkpoint"),
            std::string::npos)
      << refused.error().message();
  EXPECT_NE(refused.error().message().find("has 2 entries, the copy 1"), std::string::npos)
      << refused.error().message();
  EXPECT_FALSE(std::filesystem::exists(config_.data_dir));
  EXPECT_FALSE(std::filesystem::exists(config_.data_dir.string() + ".restoring"));

  config_.ledger_origin = "another/log";
  auto other_log = GatewayRestore::run(config_, copy);
  ASSERT_FALSE(other_log.ok());
  EXPECT_NE(other_log.error().message().find("another log"), std::string::npos);
  config_.ledger_origin = "test/origin";

  publish(at_copy);  // the checkpoint the copy holds: restored
  auto restored = GatewayRestore::run(config_, copy);
  ASSERT_TRUE(restored.ok()) << restored.error().message();
  EXPECT_EQ(restored->audit.blocks, 2u);
  EXPECT_EQ(restored->audit.receipts, 2u);
  EXPECT_EQ(restored->audit.ledger_entries, 1u);
  EXPECT_NE(restored->ledger_check.find("holds the last published checkpoint (1 entries of 1)"),
            std::string::npos)
      << restored->ledger_check;
  EXPECT_EQ(restored->rewind.next_batch_id, 2u);
  EXPECT_TRUE(std::filesystem::exists(config_.data_dir / "data.mdb"));

  auto again = GatewayRestore::run(config_, copy);  // never over a store
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("not empty"), std::string::npos);
}

TEST_F(GatewayRestoreTest, ACheckpointNotSignedByThisGatewayIsRefused) {
  std::string checkpoint = run_gateway(1);
  std::filesystem::path copy = dir_.path() / "gateway.backup";
  ASSERT_TRUE(platform::LmdbStore::copy_to_file(dir_.path() / "live", copy).ok());
  checkpoint[checkpoint.size() - 5] = checkpoint[checkpoint.size() - 5] == 'A' ? 'B' : 'A';
  publish(checkpoint);
  auto refused = GatewayRestore::run(config_, copy);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("checkpoint.txt"), std::string::npos)
      << refused.error().message();
  EXPECT_FALSE(std::filesystem::exists(config_.data_dir));
}

}  // namespace
}  // namespace vs::gateway
