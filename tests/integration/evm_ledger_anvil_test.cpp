// The EVM ledger against a real anvil: both signing modes, confirmations on
// a chain that mines on a timer, an independent read-back with cast, and a
// node that is down.
#include <gtest/gtest.h>

#include <fstream>

#include "anvil_server.h"
#include "fakes/memory_store.h"
#include "temp_dir.h"
#include "vs/gateway/evm_ledger.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/cryptopp_keccak256.h"
#include "vs/platform/curl_evm_rpc.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/secp256k1_key.h"

namespace vs::gateway {
namespace {

using namespace std::chrono_literals;

using testing::cast;

std::string cast_tx(const std::string& url, const Digest& tx, const char* field) {
  return cast(url, {"tx", "0x" + to_hex(tx), field});
}

class EvmLedgerAnvil : public ::testing::Test {
 protected:
  Digest root(int n) { return sha_.digest(as_bytes("batch root " + std::to_string(n))); }
  std::unique_ptr<platform::CurlEvmRpc> rpc(const std::string& url) {
    return platform::CurlEvmRpc::open(url, 5000ms).value();
  }
  EvmLedgerOptions node_mode() {
    EvmLedgerOptions options;
    options.from = platform::parse_evm_address(testing::kAnvilAccount0).value();
    options.to = options.from;
    options.chain_id = 31337;
    options.poll_interval = 50ms;
    options.timeout = 20s;
    return options;
  }

  platform::OpensslSha256 sha_;
  platform::CryptoppKeccak256 keccak_;
  testing::MemoryStore store_{kGatewayTableNames.size()};
  std::unique_ptr<GatewayState> state_ = make_key_value_gateway_state(store_);
  std::unique_ptr<GatewayTransaction> unused_ = state_->begin().value();
};

TEST_F(EvmLedgerAnvil, TheNodeSignsAndTheRootCanBeReadBackIndependently) {
  testing::AnvilServer anvil;
  ASSERT_TRUE(anvil.start());
  auto node = rpc(anvil.url());
  auto ledger = EvmLedger::open(*node, keccak_, nullptr, node_mode());
  ASSERT_TRUE(ledger.ok()) << ledger.error().message();
  auto ref = (*ledger)->anchor(root(1), 7, 0, *unused_);
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  EXPECT_EQ(ref->kind, proto::LedgerKind::kEvm);
  EXPECT_EQ(ref->chain_id, "eip155:31337");
  EXPECT_EQ(ref->transaction_id.size(), 32u);
  EXPECT_GE(ref->ledger_height, 1u);
  EXPECT_EQ(ref->ledger_block_hash.size(), 32u);
  EXPECT_GT(ref->ledger_time_ms, 1'600'000'000'000ULL);
  EXPECT_GE(ref->confirmations, 1u);
  EXPECT_GT((*ledger)->last_cost(), 21000u);  // gas: base cost plus the data
  EXPECT_TRUE(unused_->empty());              // nothing for the gateway's own store

  Digest tx = to_array<32>(ref->transaction_id, "").value();
  EXPECT_EQ(cast_tx(anvil.url(), tx, "input"), "0x" + to_hex(EvmLedger::anchor_data(root(1), 7)));
  EXPECT_TRUE(EvmLedger::check(*node, *ref, root(1), 7, 1).ok());
  auto wrong_root = EvmLedger::check(*node, *ref, root(2), 7, 1);
  ASSERT_FALSE(wrong_root.ok());
  EXPECT_EQ(wrong_root.error().code(), ErrorCode::kIntegrity);
  EXPECT_EQ(EvmLedger::check(*node, *ref, root(1), 8, 1).error().code(), ErrorCode::kIntegrity);
  EXPECT_EQ(EvmLedger::check(*node, *ref, root(1), 7, 50).error().code(),
            ErrorCode::kUnavailable);  // not yet that deep
}

TEST_F(EvmLedgerAnvil, TheGatewaySignsRawEip1559TransactionsWithItsOwnKey) {
  testing::AnvilServer anvil;
  ASSERT_TRUE(anvil.start());
  testing::TempDir dir;
  auto key_path = dir.path() / "anchor.key";
  {
    std::ofstream key(key_path);
    key << "0x" << testing::kAnvilKey1 << "\n";
  }
  std::filesystem::permissions(
      key_path, std::filesystem::perms::owner_read | std::filesystem::perms::group_read);
  auto exposed = platform::Secp256k1Key::load(key_path, keccak_);
  ASSERT_FALSE(exposed.ok());
  EXPECT_EQ(exposed.error().code(), ErrorCode::kPermission);
  std::filesystem::permissions(key_path, std::filesystem::perms::owner_read);
  auto key = platform::Secp256k1Key::load(key_path, keccak_);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(platform::to_string((*key)->address()), testing::kAnvilAccount1);

  auto node = rpc(anvil.url());
  EvmLedgerOptions options = node_mode();
  options.mode = EvmLedgerOptions::Mode::kRaw;
  auto ledger = EvmLedger::open(*node, keccak_, key->get(), options);
  ASSERT_TRUE(ledger.ok()) << ledger.error().message();
  for (int batch = 1; batch <= 3; ++batch) {  // consecutive nonces
    auto ref = (*ledger)->anchor(root(batch), static_cast<std::uint64_t>(batch), 0, *unused_);
    ASSERT_TRUE(ref.ok()) << ref.error().message();
    Digest tx = to_array<32>(ref->transaction_id, "").value();
    EXPECT_EQ(cast_tx(anvil.url(), tx, "from"),
              "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");  // cast prints the checksum form
    EXPECT_TRUE(
        EvmLedger::check(*node, *ref, root(batch), static_cast<std::uint64_t>(batch), 1).ok());
  }
}

TEST_F(EvmLedgerAnvil, AnAnchorBecomesFinalAtItsConfirmations) {
  testing::AnvilServer anvil(1);  // a block a second
  ASSERT_TRUE(anvil.start());
  auto node = rpc(anvil.url());
  EvmLedgerOptions options = node_mode();
  options.confirmations = 3;
  auto ledger = EvmLedger::open(*node, keccak_, nullptr, options);
  ASSERT_TRUE(ledger.ok());
  EXPECT_TRUE((*ledger)->tracks_finality());
  auto ref = (*ledger)->anchor(root(1), 1, 0, *unused_);  // returns once included
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  EXPECT_GE(ref->confirmations, 1u);
  auto check = (*ledger)->check_finality(*ref, root(1), 1);
  ASSERT_TRUE(check.ok()) << check.error().message();
  EXPECT_EQ(check->finality, Ledger::Finality::kPending);
  for (int i = 0; i < 100 && check->finality == Ledger::Finality::kPending; ++i) {
    std::this_thread::sleep_for(100ms);
    check = (*ledger)->check_finality(*ref, root(1), 1);
    ASSERT_TRUE(check.ok()) << check.error().message();
  }
  ASSERT_EQ(check->finality, Ledger::Finality::kFinal);
  EXPECT_GE(check->ref.confirmations, 3u);
  EXPECT_EQ(check->ref.ledger_block_hash, ref->ledger_block_hash);
  EXPECT_TRUE(EvmLedger::check(*node, check->ref, root(1), 1, 3).ok());
}

// anvil reverts to a snapshot taken before the anchor: the chain no longer
// has the transaction, as after a reorg that dropped it.
TEST_F(EvmLedgerAnvil, AnAnchorDroppedByAReorgIsReportedLost) {
  testing::AnvilServer anvil;
  ASSERT_TRUE(anvil.start());
  auto node = rpc(anvil.url());
  EvmLedgerOptions options = node_mode();
  options.confirmations = 2;
  auto ledger = EvmLedger::open(*node, keccak_, nullptr, options).value();
  std::string snapshot = cast(anvil.url(), {"rpc", "evm_snapshot"});
  ASSERT_FALSE(snapshot.empty());
  auto ref = ledger->anchor(root(1), 1, 0, *unused_);
  ASSERT_TRUE(ref.ok()) << ref.error().message();
  EXPECT_EQ(ledger->check_finality(*ref, root(1), 1)->finality, Ledger::Finality::kPending);
  EXPECT_EQ(cast(anvil.url(), {"rpc", "evm_revert", snapshot}), "true");
  auto check = ledger->check_finality(*ref, root(1), 1);
  ASSERT_TRUE(check.ok()) << check.error().message();
  EXPECT_EQ(check->finality, Ledger::Finality::kLost);
  EXPECT_EQ(EvmLedger::check(*node, *ref, root(1), 1, 1).error().code(), ErrorCode::kNotFound);
}

TEST_F(EvmLedgerAnvil, ANodeThatIsDownOrOnAnotherChainIsNamed) {
  auto nowhere = rpc("http://127.0.0.1:" + std::to_string(testing::free_port()));
  auto down = EvmLedger::open(*nowhere, keccak_, nullptr, node_mode());
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(down.error().message().find("eth_chainId"), std::string::npos);

  testing::AnvilServer anvil;
  ASSERT_TRUE(anvil.start());
  auto node = rpc(anvil.url());
  EvmLedgerOptions options = node_mode();
  options.chain_id = 1;  // mainnet configured, a dev chain answers
  auto wrong = EvmLedger::open(*node, keccak_, nullptr, options);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kConflict);

  auto ledger = EvmLedger::open(*node, keccak_, nullptr, node_mode()).value();
  anvil.stop();  // goes down between batches
  auto anchored = ledger->anchor(root(1), 1, 0, *unused_);
  ASSERT_FALSE(anchored.ok());
  EXPECT_EQ(anchored.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace vs::gateway
