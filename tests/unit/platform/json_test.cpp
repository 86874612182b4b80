#include "vs/platform/json.h"

#include <gtest/gtest.h>

#include <string>

namespace vs::platform {
namespace {

TEST(Json, BracedListsOfPairsAreObjectsInInsertionOrder) {
  Json value = {{"zeta", 1}, {"alpha", "two"}, {"list", Json::array({1, 2, 3})}};
  EXPECT_EQ(value.dump(-1), R"({"zeta":1,"alpha":"two","list":[1,2,3]})");
  value.set("alpha", false);  // replaced in its place
  value.set("new", nullptr);
  EXPECT_EQ(value.dump(-1), R"({"zeta":1,"alpha":false,"list":[1,2,3],"new":null})");
}

TEST(Json, OtherBracedListsAreArrays) {
  Json pairs_of_numbers = {{1, 2}, {3, 4}};
  EXPECT_EQ(pairs_of_numbers.dump(-1), "[[1,2],[3,4]]");
  Json explicit_pairs = Json::array({{"a", 1}});  // an array holding one ["a", 1]
  EXPECT_EQ(explicit_pairs.dump(-1), R"([["a",1]])");
  Json items = Json::array();
  items.push_back("x").push_back(std::uint64_t{18446744073709551615ULL}).push_back(-5);
  EXPECT_EQ(items.dump(-1), R"(["x",18446744073709551615,-5])");
}

TEST(Json, DumpIsIndentedAndEscapesText) {
  Json value = {{"text", "quote \" newline \n"}};
  EXPECT_EQ(value.dump(2), "{\n  \"text\": \"quote \\\" newline \\n\"\n}");
  // Invalid UTF-8 from outside is replaced, never thrown on.
  Json bad = {{"text", std::string("\xff\xfe")}};
  EXPECT_NE(bad.dump(-1).find("\xef\xbf\xbd"), std::string::npos);
}

TEST(Json, ParsedTextIsReadThroughViews) {
  auto parsed = Json::parse(R"({"a": {"b": [10, "x", -1, 1.5]}, "s": "t"})", 1024);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  JsonView root = parsed->view();
  EXPECT_TRUE(root.is_object());
  EXPECT_EQ(root.size(), 2u);
  JsonView list = root["a"]["b"];
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].unsigned_number(), 10u);
  EXPECT_EQ(list[1].string(), "x");
  EXPECT_FALSE(list[2].unsigned_number().has_value());  // negative
  EXPECT_FALSE(list[3].is_unsigned());                  // not whole
  EXPECT_FALSE(list[4].exists());                       // past the end
  EXPECT_FALSE(root["missing"]["deeper"].exists());     // a missing path is empty all the way
  EXPECT_FALSE(root["s"].unsigned_number().has_value());
  EXPECT_EQ(root["s"].string(), "t");
}

TEST(Json, BadOrOversizedTextIsAnErrorNotAThrow) {
  EXPECT_EQ(Json::parse("{\"a\":", 1024).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(Json::parse("", 1024).error().code(), ErrorCode::kMalformed);
  auto too_big = Json::parse("[1,2,3]", 4);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(too_big.error().message().find("at most 4"), std::string::npos);
}

TEST(Json, CopiesAreIndependent) {
  Json original = {{"a", 1}};
  Json copy = original;
  copy.set("a", 2);
  EXPECT_EQ(original.dump(-1), R"({"a":1})");
  EXPECT_EQ(copy.dump(-1), R"({"a":2})");
}

}  // namespace
}  // namespace vs::platform
