#include "vs/gateway/access_log.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/openssl_sha256.h"

namespace vs::gateway {
namespace {

class AccessLogTest : public ::testing::Test {
 protected:
  AccessRecord record() const {
    AccessRecord out;
    out.time_ms = 1'760'000'000'000ULL;
    out.by = "auditor";
    out.recipient = "clinic-a";
    out.device_hex = std::string(32, 'a');
    out.from_ms = 10;
    out.seq = 3;
    out.readings = 2;
    out.purpose = "fhir export";
    out.output_hash = to_hex(sha_.digest(as_bytes("output")));
    return out;
  }

  platform::OpensslSha256 sha_;
  vs::testing::MemoryStore store_{kGatewayTableNames.size()};
  std::unique_ptr<GatewayState> state_ = make_key_value_gateway_state(store_);
};

TEST_F(AccessLogTest, ARecordIsTextThatDecodesToItself) {
  AccessRecord original = record();
  std::string text = original.encode();
  auto decoded = AccessRecord::decode(text);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(*decoded, original);
  EXPECT_FALSE(AccessRecord::decode("not a record\n").ok());
  EXPECT_FALSE(AccessRecord::decode(text + "extra line\n").ok());
}

TEST_F(AccessLogTest, AnExportIsRecordedAndQueuedForAnchoringInOneCommit) {
  AccessLog log(*state_, sha_);
  AccessRecord exported = record();
  exported.time_ms = 0;  // stamped
  auto logged = log.record_export(exported, "the bundle handed out");
  ASSERT_TRUE(logged.ok()) << logged.error().message();
  EXPECT_GT(logged->record.time_ms, 0u);
  EXPECT_EQ(logged->record.output_hash, to_hex(sha_.digest(as_bytes("the bundle handed out"))));
  EXPECT_EQ(logged->hash, sha_.digest(as_bytes(logged->record.encode())));
  auto queued = state_->queue(10).value();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].item.device, AccessLog::log_device());
  EXPECT_EQ(queued[0].item.block_hash, logged->hash);
  auto listed = log.list().value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].record, logged->record);
  EXPECT_FALSE(listed[0].receipt.has_value());  // not anchored yet
}

TEST_F(AccessLogTest, TextThatWouldBreakTheRecordIsRefusedAndNothingIsWritten) {
  AccessLog log(*state_, sha_);
  AccessRecord bad = record();
  bad.by = "two\nlines";
  EXPECT_EQ(log.record(bad).error().code(), ErrorCode::kInvalidArgument);
  bad = record();
  bad.purpose = "";
  EXPECT_FALSE(log.record(bad).ok());
  bad = record();
  bad.device_hex = "not a device";
  EXPECT_FALSE(log.record(bad).ok());
  EXPECT_EQ(state_->queue_size().value(), 0u);
  EXPECT_TRUE(log.list().value().empty());
}

}  // namespace
}  // namespace vs::gateway
