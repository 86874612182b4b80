// The embedded backend reads and extends a gateway store written by the code
// before GatewayState existed (commit 4d332e4): tests/fixtures/gateway-store-v1
// holds its LMDB store (as `mdb_dump -a` text), the gateway's public key, a
// checkpoint it published and the two device ids. What that store held must
// read the same today, prove a reading up to the old checkpoint, and take new
// anchors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "lmdb_dump.h"
#include "temp_dir.h"
#include "test_log_key.h"
#include "vs/chain/proof_verifier.h"
#include "vs/gateway/access_log.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/gateway/proof_export.h"
#include "vs/gateway/status_report.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

const std::filesystem::path kFixture =
    std::filesystem::path(VS_SOURCE_DIR) / "tests/fixtures/gateway-store-v1";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class StoreLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status loaded = vs::testing::load_lmdb_dump(kFixture / "store.dump", dir_.path() / "store",
                                                kGatewayTableNames);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message();
    auto opened = open_gateway_store(
        {.location = (dir_.path() / "store").string(), .access = StoreAccess::kWrite});
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    state_ = std::move(opened).value();
    std::istringstream ids(read_file(kFixture / "devices"));
    std::string a_hex, b_hex;
    ids >> a_hex >> b_hex;
    a_ = chain::DeviceId::from_hex(a_hex).value();
    b_ = chain::DeviceId::from_hex(b_hex).value();
    std::string key = read_file(kFixture / "gateway.pub.der");
    gateway_key_.assign(key.begin(), key.end());
  }

  vs::testing::TempDir dir_;
  std::unique_ptr<GatewayState> state_;
  chain::DeviceId a_, b_;
  Bytes gateway_key_;
  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory verifiers_;
};

TEST_F(StoreLayoutTest, WhatTheOldStoreHeldReadsTheSame) {
  auto devices = state_->devices().value();
  ASSERT_EQ(devices.size(), 2u);
  auto a = state_->device(a_).value();
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->equivocated);
  EXPECT_FALSE(a->revoked);
  EXPECT_EQ(a->public_keys.size(), 1u);
  EXPECT_EQ(state_->tip(a_).value()->height, 3u);
  EXPECT_EQ(state_->blocks(a_, 0, 100).value().size(), 4u);
  EXPECT_EQ(state_->evidence(a_).value().size(), 1u);
  EXPECT_EQ(state_->tip(b_).value()->height, 0u);
  EXPECT_EQ(state_->held_count(b_).value(), 1u);
  EXPECT_TRUE(state_->held(b_, 2).value().has_value());
  EXPECT_TRUE(state_->receipt(a_, 2).value().has_value());
  EXPECT_FALSE(state_->receipt(a_, 3).value().has_value());  // queued, not anchored
  EXPECT_EQ(state_->queue_size().value(), 2u);               // a's height 3, the access record
  EXPECT_EQ(state_->next_batch_id().value(), 3u);
  EXPECT_EQ(state_->anchors(0, 10).value().size(), 2u);
  EXPECT_EQ(state_->ledger_size().value(), 2u);
  auto accesses = AccessLog(*state_, sha_).list().value();
  ASSERT_EQ(accesses.size(), 1u);
  EXPECT_EQ(accesses[0].record.by, "fixture");
  EXPECT_FALSE(accesses[0].receipt.has_value());

  auto report = StatusReport::gather(*state_, sha_).value();
  ASSERT_EQ(report.devices.size(), 2u);
  EXPECT_EQ(report.queued, 2u);
  EXPECT_EQ(report.recent_anchors.size(), 2u);
  EXPECT_EQ(report.recent_anchors.front().batch_id, 2u);  // newest first
}

TEST_F(StoreLayoutTest, AReadingIsProvenUpToTheOldCheckpoint) {
  ProofExport::Request request;
  request.device = a_;
  request.seq = 5;
  request.gateway_keys = chain::GatewayKeySet::one(sha_, verifiers_, gateway_key_).value();
  // The tree the old code published a checkpoint of is the tree today's
  // code reads. Its signature is of the format before checkpoints were
  // Ed25519 notes (the gateway's ECDSA key): the same checkpoint is signed
  // again here with a log key, as the gateway does on its next anchor.
  std::string published = read_file(kFixture / "checkpoint");
  auto old = chain::LogCheckpoint::parse_body(published.substr(0, published.find("\n\n") + 1));
  ASSERT_TRUE(old.ok()) << old.error().message();
  EXPECT_EQ(LocalLedger::root(*state_, sha_, old->size).value(), old->root);
  auto log_key = vs::testing::test_log_key(old->origin);
  request.checkpoint = old->sign(log_key).value();
  request.log_key = log_key.verifier;
  platform::OpensslEd25519 ed25519;
  auto exported = ProofExport(*state_, sha_, verifiers_, ed25519).build(request);
  ASSERT_TRUE(exported.ok()) << exported.error().message();
  auto report = chain::ProofVerifier(sha_, verifiers_, ed25519)
                    .verify(exported->bundle, gateway_key_, &log_key.verifier);
  ASSERT_TRUE(report.ok()) << report.links.back().name << ": " << report.links.back().detail;
  EXPECT_EQ(report.links.size(), chain::kProofLinkCount);  // every link, "about" last
}

TEST_F(StoreLayoutTest, NewAnchorsExtendTheOldLedger) {
  auto key = platform::OpensslSigner::generate().value();  // a rotated gateway key
  LocalLedger ledger(*state_, sha_, vs::testing::test_log_key("fixture/v1"));
  chain::ReceiptSigner signer(sha_, *key);
  BatchAnchorer anchorer(*state_, sha_, ledger, signer);
  auto issued = anchorer.anchor(4000, 100);
  ASSERT_TRUE(issued.ok()) << issued.error().message();
  EXPECT_EQ(issued->size(), 2u);
  EXPECT_EQ(state_->queue_size().value(), 0u);
  EXPECT_EQ(state_->next_batch_id().value(), 4u);
  ASSERT_EQ(ledger.size().value(), 3u);
  // The new entry names the hash of the last one the old code wrote.
  Bytes old_last = ledger.entry(1).value();
  Bytes new_entry = ledger.entry(2).value();
  Digest old_hash = sha_.digest(old_last);
  EXPECT_TRUE(equal(ByteView(new_entry).subspan(57, 32), old_hash));
  EXPECT_TRUE(AccessLog(*state_, sha_).list().value()[0].receipt.has_value());
}

TEST_F(StoreLayoutTest, TheOldStoreIsFormatOneAndAStoreFromANewerReleaseIsRefused) {
  state_.reset();
  platform::LmdbStoreOptions options;
  options.directory = dir_.path() / "store";
  options.tables = kGatewayTableNames;
  ByteView format_key = as_bytes(platform::kStoreFormatKey);
  {
    auto raw = platform::LmdbStore::open(options).value();
    // The writable open in SetUp recorded the format the old code wrote in.
    EXPECT_EQ(raw->get(kMetaTable, format_key).value(), (Bytes{0, 0, 0, 1}));
    platform::WriteBatch batch;
    batch.put(kMetaTable, format_key, Bytes{0, 0, 0, 2});
    ASSERT_TRUE(raw->commit(batch).ok());
  }
  for (StoreAccess access : {StoreAccess::kWrite, StoreAccess::kRead}) {
    auto refused =
        open_gateway_store({.location = (dir_.path() / "store").string(), .access = access});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kUnsupported);
    EXPECT_NE(refused.error().message().find("gateway store format 2"), std::string::npos)
        << refused.error().message();
  }
}

}  // namespace
}  // namespace vs::gateway
