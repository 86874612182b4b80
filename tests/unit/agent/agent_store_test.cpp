// An agent store written before store formats were recorded
// (tests/fixtures/agent-store-v1) opens with today's code as format 1 and
// verifies; a store from a newer release is refused, never misread.
#include <gtest/gtest.h>

#include "lmdb_dump.h"
#include "temp_dir.h"
#include "vs/agent/agent_store.h"
#include "vs/agent/chain_audit.h"
#include "vs/agent/device_chain.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_verifier.h"

namespace vs::agent {
namespace {

const std::filesystem::path kFixture =
    std::filesystem::path(VS_SOURCE_DIR) / "tests/fixtures/agent-store-v1";

class AgentStoreFormatTest : public ::testing::Test {
 protected:
  AgentStoreFormatTest() {
    Status loaded =
        vs::testing::load_lmdb_dump(kFixture / "store.dump", store_dir(), kAgentTableNames);
    EXPECT_TRUE(loaded.ok()) << loaded.error().message();
  }
  std::filesystem::path store_dir() const { return dir_.path() / "store"; }
  // The store as LMDB holds it, without the check open_agent_store makes.
  std::unique_ptr<platform::LmdbStore> raw_store() {
    platform::LmdbStoreOptions options;
    options.directory = store_dir();
    options.tables = kAgentTableNames;
    return platform::LmdbStore::open(options).value();
  }
  std::optional<Bytes> format_record() {
    return raw_store()->get(kMetaTable, as_bytes(platform::kStoreFormatKey)).value();
  }
  void put_format_record(const Bytes& value) {
    platform::WriteBatch batch;
    batch.put(kMetaTable, as_bytes(platform::kStoreFormatKey), value);
    ASSERT_TRUE(raw_store()->commit(batch).ok());
  }

  vs::testing::TempDir dir_;
  platform::MbedtlsSha256 sha_;
  platform::MbedtlsVerifierFactory keys_;
};

TEST_F(AgentStoreFormatTest, AStoreFromBeforeFormatsReadsAsFormatOneAndVerifies) {
  EXPECT_FALSE(format_record().has_value());
  {
    auto read_only = open_agent_store({store_dir(), true});
    ASSERT_TRUE(read_only.ok()) << read_only.error().message();
  }
  EXPECT_FALSE(format_record().has_value()) << "a read-only open wrote";
  auto store = open_agent_store({store_dir()});
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto snapshot = DeviceChain::inspect(**store).value();
  ASSERT_TRUE(snapshot.tip.has_value());
  EXPECT_EQ(snapshot.tip->height, 18u);
  EXPECT_EQ(snapshot.next_seq, 147u);
  EXPECT_EQ(snapshot.retired_below, 11u);
  EXPECT_EQ(snapshot.pending_entries, 0u);
  auto audit = audit_chain(**store, sha_, keys_).value();
  EXPECT_FALSE(audit.failure.has_value()) << audit.failure->message();
  EXPECT_EQ(audit.blocks, 19u);
  EXPECT_EQ(audit.entries_in_blocks, 147u);
  store->reset();
  EXPECT_EQ(format_record(), (Bytes{0, 0, 0, 1}));  // recorded at the writable open
}

TEST_F(AgentStoreFormatTest, AStoreFromANewerReleaseIsRefusedByTheAgentAndTheTools) {
  put_format_record(Bytes{0, 0, 0, 2});
  for (bool read_only : {false, true}) {
    auto store = open_agent_store({store_dir(), read_only});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code(), ErrorCode::kUnsupported);
    EXPECT_NE(store.error().message().find("agent store format 2; this build reads formats 1 to 1"),
              std::string::npos)
        << store.error().message();
    EXPECT_NE(store.error().message().find("newer vitalsign"), std::string::npos);
  }
  EXPECT_EQ(format_record(), (Bytes{0, 0, 0, 2}));  // left as it was
}

TEST_F(AgentStoreFormatTest, AFormatRecordOfTheWrongSizeIsMalformed) {
  put_format_record(Bytes{1});
  auto refused = open_agent_store({store_dir()});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(refused.error().message().find("store format record is not 4 bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace vs::agent
