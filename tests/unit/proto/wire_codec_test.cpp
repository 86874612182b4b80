#include "vs/proto/wire_codec.h"

#include <gtest/gtest.h>

#include "vs/proto/limits.h"

namespace vs::proto {
namespace {

proto::Entry heart_rate(std::uint64_t seq) {
  proto::Entry entry;
  entry.seq = seq;
  entry.time_ms = 1'700'000'000'000 + seq;
  proto::Reading reading;
  reading.kind = proto::VitalKind::kHeartRate;
  reading.mantissa = 72;
  entry.body = reading;
  return entry;
}

proto::Entry ecg_segment() {
  proto::Entry entry = heart_rate(7);
  proto::Reading reading;
  reading.kind = proto::VitalKind::kEcg;
  reading.exponent = -3;
  reading.sample_rate_mhz = 250'000;
  for (int i = 0; i < 250; ++i) reading.samples.push_back((i * 37) % 2000 - 1000);
  entry.body = reading;
  return entry;
}

proto::Entry consent() {
  proto::Entry entry = heart_rate(9);
  proto::Event event;
  event.kind = proto::EventKind::kConsentGranted;
  event.recipient = "clinic-42";
  event.text = "Zürich study";  // UTF-8 passes
  entry.body = event;
  return entry;
}

TEST(WireCodec, EntriesRoundTrip) {
  for (const proto::Entry& entry :
       {heart_rate(0), heart_rate(123456789), ecg_segment(), consent()}) {
    auto bytes = WireCodec::encode(entry);
    ASSERT_TRUE(bytes.ok()) << bytes.error().message();
    auto back = WireCodec::decode_entry(*bytes);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(*back, entry);
  }
}

TEST(WireCodec, NegativeMantissaAndZeroValuesSurvive) {
  proto::Entry entry = heart_rate(1);
  std::get<proto::Reading>(entry.body).mantissa = -40;
  std::get<proto::Reading>(entry.body).exponent = -1;
  auto back = WireCodec::decode_entry(WireCodec::encode(entry).value());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, entry);
}

TEST(WireCodec, NonCanonicalEntryIsRejected) {
  Bytes bytes = WireCodec::encode(heart_rate(5)).value();
  Bytes with_unknown = bytes;
  with_unknown.insert(with_unknown.end(), {0xa0, 0x06, 0x01});  // field 100, varint 1
  auto result = WireCodec::decode_entry(with_unknown);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(std::string(result.error().reason()).find("canonical"), std::string::npos);

  Bytes repeated_seq = bytes;
  repeated_seq.insert(repeated_seq.end(), {0x08, 0x05});  // seq again
  EXPECT_FALSE(WireCodec::decode_entry(repeated_seq).ok());
}

// Each of these decodes with nanopb, to something that encodes otherwise.
TEST(WireCodec, EveryNonCanonicalShapeIsRejected) {
  // seq 5, time 7, a heart-rate reading: the canonical form.
  const Bytes canonical{0x08, 0x05, 0x10, 0x07, 0x1a, 0x02, 0x08, 0x01};
  ASSERT_TRUE(WireCodec::decode_entry(canonical).ok());
  const std::vector<std::pair<const char*, Bytes>> cases = {
      {"padded varint", {0x08, 0x85, 0x00, 0x10, 0x07, 0x1a, 0x02, 0x08, 0x01}},
      {"padded tag", {0x88, 0x00, 0x05, 0x10, 0x07, 0x1a, 0x02, 0x08, 0x01}},
      {"zero written", {0x08, 0x00, 0x10, 0x07, 0x1a, 0x02, 0x08, 0x01}},
      {"fields out of order", {0x10, 0x07, 0x08, 0x05, 0x1a, 0x02, 0x08, 0x01}},
      {"reading and event",
       {0x08, 0x05, 0x10, 0x07, 0x1a, 0x02, 0x08, 0x01, 0x22, 0x02, 0x08, 0x02}},
      {"empty packed samples", {0x08, 0x05, 0x10, 0x07, 0x1a, 0x04, 0x08, 0x07, 0x32, 0x00}},
      {"unpacked sample", {0x08, 0x05, 0x10, 0x07, 0x1a, 0x06, 0x08, 0x07, 0x28, 0x01, 0x30, 0x02}},
      {"two packed runs",
       {0x08, 0x05, 0x10, 0x07, 0x1a, 0x0a, 0x08, 0x07, 0x28, 0x01, 0x32, 0x01, 0x02, 0x32, 0x01,
        0x04}},
      {"padded length", {0x08, 0x05, 0x10, 0x07, 0x1a, 0x82, 0x00, 0x08, 0x01}},
      {"NUL inside a string",
       {0x08, 0x05, 0x10, 0x07, 0x22, 0x07, 0x08, 0x02, 0x1a, 0x03, 0x61, 0x00, 0x62}},
      {"empty string written", {0x08, 0x05, 0x10, 0x07, 0x22, 0x04, 0x08, 0x02, 0x1a, 0x00}},
  };
  for (const auto& [shape, bytes] : cases) {
    auto result = WireCodec::decode_entry(bytes);
    ASSERT_FALSE(result.ok()) << shape;
    EXPECT_NE(std::string(result.error().reason()).find("canonical"), std::string::npos)
        << shape << ": " << result.error().reason();
  }
}

TEST(WireCodec, ExplicitPresenceWritesZeros) {
  // A oneof member is written even when its fields are all zero; a receipt
  // body, with a repeated field and a submessage, comes back as it went.
  proto::Entry entry = heart_rate(0);
  entry.seq = 0;
  entry.time_ms = 0;
  std::get<proto::Reading>(entry.body).mantissa = 0;
  auto back = WireCodec::decode_entry(WireCodec::encode(entry).value());
  ASSERT_TRUE(back.ok()) << back.error().reason();
  EXPECT_EQ(*back, entry);

  proto::ReceiptBody body;
  body.version = 1;
  body.device_id = Bytes(16, 0x01);
  body.block_hash = Bytes(32, 0x02);
  body.state = proto::ReceiptState::kPending;
  body.inclusion_path = {Bytes(32, 0x03), Bytes(32, 0x04)};
  auto body_back = WireCodec::decode_receipt_body(WireCodec::encode(body).value());
  ASSERT_TRUE(body_back.ok()) << body_back.error().reason();
  EXPECT_EQ(*body_back, body);
}

TEST(WireCodec, TruncatedEntryIsMalformed) {
  Bytes bytes = WireCodec::encode(ecg_segment()).value();
  for (std::size_t cut : {bytes.size() - 1, bytes.size() / 2, std::size_t{1}}) {
    auto result = WireCodec::decode_entry(ByteView(bytes).first(cut));
    ASSERT_FALSE(result.ok()) << cut;
    EXPECT_EQ(result.error().code(), ErrorCode::kMalformed);
  }
}

TEST(WireCodec, EmptyEntryHasNoBody) {
  auto result = WireCodec::decode_entry(ByteView());
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().reason(), "entry holds neither a reading nor an event");
}

TEST(WireCodec, UnknownVitalKindIsMalformed) {
  proto::Entry entry = heart_rate(1);
  std::get<proto::Reading>(entry.body).kind = static_cast<proto::VitalKind>(99);
  auto result = WireCodec::decode_entry(WireCodec::encode(entry).value());
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().reason(), "reading has an unknown vital kind");
}

TEST(WireCodec, InvalidUtf8IsMalformed) {
  proto::Entry entry = consent();
  std::get<proto::Event>(entry.body).recipient = "bad\xff";
  auto result = WireCodec::decode_entry(WireCodec::encode(entry).value());
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().reason(), "event recipient is not UTF-8");
}

TEST(WireCodec, OversizedFieldsAreRefusedOnEncode) {
  proto::Entry entry = ecg_segment();
  std::get<proto::Reading>(entry.body).samples.resize(proto::kMaxWaveformSamples + 1);
  EXPECT_EQ(WireCodec::encode(entry).error().code(), ErrorCode::kInvalidArgument);
  proto::Entry event = consent();
  std::get<proto::Event>(event.body).recipient = std::string(200, 'x');
  EXPECT_EQ(WireCodec::encode(event).error().code(), ErrorCode::kInvalidArgument);
}

TEST(WireCodec, BlockRoundTripKeepsExactBytes) {
  proto::Block block;
  block.header = {0x08, 0x01, 0x18, 0x05};
  block.signature = Bytes(64, 0xab);
  for (int i = 0; i < 3; ++i) {
    block.entries.push_back(WireCodec::encode(heart_rate(static_cast<std::uint64_t>(i))).value());
    block.blindings.push_back(Bytes(32, static_cast<std::uint8_t>(i)));
    block.entry_signatures.push_back(i == 1 ? Bytes() : Bytes(64, 0x11));
  }
  auto bytes = WireCodec::encode(block);
  ASSERT_TRUE(bytes.ok());
  auto back = WireCodec::decode_block(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, block);
}

TEST(WireCodec, BlockLimitsAreEnforced) {
  proto::Block block;
  block.entries.push_back(Bytes(proto::kMaxEntryBytes + 1, 0x00));
  auto result = WireCodec::decode_block(WireCodec::encode(block).value());
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().reason(), "block entry is larger than 16 KiB");

  proto::Block blinded;
  blinded.blindings.push_back(Bytes(33, 0x00));
  EXPECT_STREQ(WireCodec::decode_block(WireCodec::encode(blinded).value()).error().reason(),
               "block blinding is longer than 32 bytes");

  proto::Block many;
  many.entries.assign(proto::kMaxBlockEntries + 1, Bytes{0x08, 0x01});
  EXPECT_STREQ(WireCodec::decode_block(WireCodec::encode(many).value()).error().reason(),
               "block has more than 4096 entries");
}

TEST(WireCodec, OversizedHeaderInBlockIsMalformed) {
  // Block.header field (1) with a 300-byte length: past the 256-byte bound.
  Bytes bytes{0x0a, 0xac, 0x02};
  bytes.resize(3 + 300, 0x00);
  auto result = WireCodec::decode_block(bytes);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kMalformed);
}

TEST(WireCodec, ReceiptRoundTrip) {
  proto::ReceiptBody body;
  body.version = 1;
  body.device_id = Bytes(16, 0x01);
  body.block_height = 12;
  body.block_hash = Bytes(32, 0x02);
  body.state = proto::ReceiptState::kAnchored;
  body.batch_id = 3;
  body.batch_root = Bytes(32, 0x03);
  body.batch_size = 5;
  body.leaf_index = 4;
  body.inclusion_path = {Bytes(32, 0x04), Bytes(32, 0x05)};
  body.ledger.kind = proto::LedgerKind::kEvm;
  body.ledger.chain_id = "31337";
  body.ledger.transaction_id = Bytes(32, 0x06);
  body.ledger.ledger_height = 99;
  body.ledger.confirmations = 2;
  body.issued_time_ms = 1234;
  auto body_bytes = WireCodec::encode(body).value();
  auto body_back = WireCodec::decode_receipt_body(body_bytes);
  ASSERT_TRUE(body_back.ok()) << body_back.error().message();
  EXPECT_EQ(*body_back, body);

  proto::Receipt receipt{body_bytes, Bytes(64, 0x07), Bytes(16, 0x08)};
  auto back = WireCodec::decode_receipt(WireCodec::encode(receipt).value());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, receipt);
}

TEST(WireCodec, ReceiptWithUnknownStateIsMalformed) {
  proto::ReceiptBody body;
  body.state = static_cast<proto::ReceiptState>(9);
  EXPECT_STREQ(WireCodec::decode_receipt_body(WireCodec::encode(body).value()).error().reason(),
               "receipt has an unknown state");
}

TEST(WireCodec, ControlMessagesRoundTrip) {
  proto::ResendRequest request{1, Bytes(16, 0x0a), 4, 9, "gap", 1'767'225'600'000, Bytes(16, 7)};
  EXPECT_EQ(WireCodec::decode_resend_request(WireCodec::encode(request).value()).value(), request);
  proto::SignedResendRequest signed_request{WireCodec::encode(request).value(), Bytes(64, 1),
                                            Bytes(16, 2)};
  EXPECT_EQ(
      WireCodec::decode_signed_resend_request(WireCodec::encode(signed_request).value()).value(),
      signed_request);
  signed_request.body.resize(161);
  EXPECT_FALSE(WireCodec::encode(signed_request).ok());
  proto::ResendRequest backwards{1, Bytes(16, 0x0a), 9, 4, "", 0, {}};
  EXPECT_EQ(WireCodec::decode_resend_request(WireCodec::encode(backwards).value()).error().code(),
            ErrorCode::kMalformed);

  proto::Status status;
  status.version = 1;
  status.online = true;
  status.has_tip = true;
  status.tip_height = 41;
  status.backlog_blocks = 3;
  status.alarms = proto::kAgentAlarmStorageFull;
  EXPECT_EQ(WireCodec::decode_status(WireCodec::encode(status).value()).value(), status);
}

TEST(WireCodec, ResentBlockCarriesItsBlockAndReceiptExactly) {
  proto::Block block;
  block.header = {0x08, 0x01, 0x18, 0x05};
  block.signature = Bytes(64, 0xab);
  block.entries.push_back(WireCodec::encode(heart_rate(3)).value());
  proto::ResentBlock resent{WireCodec::encode(block).value(), Bytes(200, 0x5c)};
  auto bytes = WireCodec::encode(resent);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message();
  auto back = WireCodec::decode_resent_block(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, resent);

  proto::ResentBlock no_receipt{resent.block, {}};
  EXPECT_STREQ(
      WireCodec::decode_resent_block(WireCodec::encode(no_receipt).value()).error().reason(),
      "resent block carries no receipt");
  proto::ResentBlock no_block{{}, resent.receipt};
  EXPECT_STREQ(WireCodec::decode_resent_block(WireCodec::encode(no_block).value()).error().reason(),
               "resent block carries no block");
  proto::ResentBlock large_receipt{resent.block, Bytes(proto::kMaxReceiptBytes + 1, 1)};
  EXPECT_FALSE(WireCodec::encode(large_receipt).ok());
  // The block field twice: refused, not the last one silently kept.
  Bytes twice = *bytes;
  Bytes block_field = WireCodec::encode(proto::ResentBlock{resent.block, Bytes{1}}).value();
  block_field.resize(block_field.size() - 3);  // without the receipt field (tag, length, 1 byte)
  twice.insert(twice.end(), block_field.begin(), block_field.end());
  EXPECT_STREQ(WireCodec::decode_resent_block(twice).error().reason(),
               "resent block carries its block twice");
}

}  // namespace
}  // namespace vs::proto
