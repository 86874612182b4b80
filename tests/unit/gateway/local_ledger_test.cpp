#include "vs/gateway/local_ledger.h"
#include "test_log_key.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "vs/chain/merkle.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

class LocalLedgerTest : public ::testing::Test {
 protected:
  LocalLedgerTest()
      : ledger_(*state_, sha_, vs::testing::test_log_key("gateway.example/vitalsign")) {}

  Digest root_of(int n) { return sha_.digest(as_bytes("batch " + std::to_string(n))); }
  // Anchors and commits, as the batch anchorer does with its receipts.
  Result<chain::LogCheckpoint> verify(std::string_view text,
                                      const chain::NoteVerifierKey& key) const {
    return chain::LogCheckpoint::verify(text, ed25519_, key);
  }
  Result<chain::LogCheckpoint> verify(std::string_view text) const {
    return verify(text, ledger_.log_key());
  }
  Result<proto::LedgerRef> anchor(int n, std::uint64_t time_ms) {
    VS_TRY_ASSIGN(auto changes, state_->begin());
    VS_TRY_ASSIGN(auto ref,
                  ledger_.anchor(root_of(n), static_cast<std::uint64_t>(n), time_ms, *changes));
    VS_TRY(changes->commit(true));
    return ref;
  }

  vs::testing::MemoryStore store_{kGatewayTableNames.size()};
  std::unique_ptr<GatewayState> state_ = make_key_value_gateway_state(store_);
  platform::OpensslSha256 sha_;
  platform::OpensslEd25519 ed25519_;
  LocalLedger ledger_;
};

TEST_F(LocalLedgerTest, EntriesAreHashChainedAndReferenced) {
  auto first = anchor(1, 1000).value();
  auto second = anchor(2, 2000).value();
  EXPECT_EQ(first.kind, proto::LedgerKind::kLocal);
  EXPECT_EQ(first.chain_id, "gateway.example/vitalsign");
  EXPECT_EQ(first.ledger_height, 0u);
  EXPECT_EQ(second.ledger_height, 1u);
  Bytes entry0 = ledger_.entry(0).value();
  Bytes entry1 = ledger_.entry(1).value();
  Digest hash0 = sha_.digest(entry0);
  EXPECT_EQ(Bytes(hash0.begin(), hash0.end()), first.transaction_id);
  EXPECT_TRUE(equal(ByteView(entry1).subspan(57, 32), hash0));  // names the entry before it
  EXPECT_TRUE(equal(ByteView(entry1).subspan(25, 32), root_of(2)));
}

TEST_F(LocalLedgerTest, CheckpointsVerifyAndAreConsistentWithEachOther) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(anchor(i, 1000).ok());
  std::string old_text = ledger_.checkpoint().value();
  for (int i = 5; i < 13; ++i) ASSERT_TRUE(anchor(i, 1000).ok());
  std::string new_text = ledger_.checkpoint().value();
  EXPECT_EQ(old_text.substr(0, old_text.find('\n')), "gateway.example/vitalsign");
  EXPECT_NE(old_text.find("\n\n\xe2\x80\x94 gateway.example/vitalsign "), std::string::npos);

  auto old_checkpoint = verify(old_text);
  auto new_checkpoint = verify(new_text);
  ASSERT_TRUE(old_checkpoint.ok()) << old_checkpoint.error().message();
  ASSERT_TRUE(new_checkpoint.ok()) << new_checkpoint.error().message();
  EXPECT_EQ(old_checkpoint->size, 5u);
  EXPECT_EQ(new_checkpoint->size, 13u);
  auto proof = ledger_.consistency_proof(5, 13).value();
  EXPECT_TRUE(chain::Merkle(sha_)
                  .verify_consistency(5, 13, old_checkpoint->root, new_checkpoint->root, proof)
                  .ok());
  // An entry is provably in the log under a checkpoint.
  auto path = ledger_.inclusion_proof(7, 13).value();
  EXPECT_TRUE(chain::Merkle(sha_)
                  .verify_inclusion(chain::Merkle(sha_).leaf_hash(ledger_.entry(7).value()), 7, 13,
                                    path, new_checkpoint->root)
                  .ok());
}

TEST_F(LocalLedgerTest, TamperedOrForeignCheckpointsAreRejected) {
  ASSERT_TRUE(anchor(1, 1000).ok());
  std::string text = ledger_.checkpoint().value();
  std::string bigger = text;
  bigger.replace(bigger.find("\n1\n"), 3, "\n2\n");
  EXPECT_EQ(verify(bigger).error().code(), ErrorCode::kIntegrity);
  // Another log's key, even of the same name: not this log's signature.
  auto stranger = vs::testing::test_log_key("gateway.example/other");
  auto same_name =
      chain::NoteVerifierKey::make(sha_, "gateway.example/vitalsign", chain::NoteKeyType::kEd25519,
                                   stranger.signer->public_key());
  EXPECT_STREQ(verify(text, same_name).error().reason(),
               "checkpoint carries no signature by the log key");
  EXPECT_EQ(verify("no blank line").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(verify("o\nx\nroot\n\n").error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace vs::gateway
