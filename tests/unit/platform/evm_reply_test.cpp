#include "vs/platform/evm_reply.h"

#include <gtest/gtest.h>

namespace vs::platform {
namespace {

TEST(EvmReply, ReadsQuantitiesAndNamesWhatIsWrong) {
  EXPECT_EQ(
      EvmReply::quantity(R"({"jsonrpc":"2.0","id":1,"result":"0x7a69"})", "eth_chainId").value(),
      31337u);
  EXPECT_EQ(EvmReply::quantity(R"({"result":"0x0"})", "m").value(), 0u);
  EXPECT_EQ(EvmReply::quantity(R"({"result":"0x00000000000000000000ff"})", "m").value(), 255u);
  struct Case {
    const char* reply;
    ErrorCode code;
    const char* text;
  };
  for (const Case& c : {
           Case{"not json", ErrorCode::kMalformed, "not a JSON object"},
           Case{"[1,2]", ErrorCode::kMalformed, "not a JSON object"},
           Case{R"({"id":1})", ErrorCode::kMalformed, "no result"},
           Case{R"({"error":{"code":-32000,"message":"nonce too low"}})", ErrorCode::kConflict,
                "eth_chainId: nonce too low"},
           Case{R"({"result":12})", ErrorCode::kMalformed, "lacks a quantity"},
           Case{R"({"result":"0x"})", ErrorCode::kMalformed, "not 0x-hex"},
           Case{R"({"result":"0xzz"})", ErrorCode::kMalformed, "not 0x-hex"},
           Case{R"({"result":"0x10000000000000000"})", ErrorCode::kUnsupported, "64 bits"},
       }) {
    auto value = EvmReply::quantity(c.reply, "eth_chainId");
    ASSERT_FALSE(value.ok()) << c.reply;
    EXPECT_EQ(value.error().code(), c.code) << c.reply;
    EXPECT_NE(value.error().message().find(c.text), std::string::npos)
        << c.reply << " -> " << value.error().message();
  }
}

TEST(EvmReply, ReadsAReceiptAndItsAbsence) {
  std::string hash = "0x" + std::string(64, 'a');
  std::string block = "0x" + std::string(64, 'b');
  auto receipt = EvmReply::transaction_receipt(R"({"result":{"transactionHash":")" + hash +
                                               R"(","blockNumber":"0x5","blockHash":")" + block +
                                               R"(","status":"0x1","gasUsed":"0x5708"}})");
  ASSERT_TRUE(receipt.ok()) << receipt.error().message();
  ASSERT_TRUE(receipt->has_value());
  EXPECT_EQ((*receipt)->block_number, 5u);
  EXPECT_TRUE((*receipt)->succeeded);
  EXPECT_EQ((*receipt)->gas_used, 22280u);
  EXPECT_EQ((*receipt)->block_hash[0], 0xbb);
  EXPECT_FALSE(EvmReply::transaction_receipt(R"({"result":null})")->has_value());
  auto short_hash = EvmReply::transaction_receipt(
      R"({"result":{"transactionHash":"0xabcd","blockNumber":"0x5","blockHash":")" + block +
      R"(","status":"0x1","gasUsed":"0x1"}})");
  ASSERT_FALSE(short_hash.ok());
  EXPECT_NE(short_hash.error().message().find("32 bytes"), std::string::npos);
  EXPECT_FALSE(EvmReply::block(R"({"result":{"number":"0x1"}})").ok());
  EXPECT_EQ(EvmReply::transaction_input(R"({"result":{"input":"0x0102"}})")->value(),
            (Bytes{1, 2}));
}

}  // namespace
}  // namespace vs::platform
