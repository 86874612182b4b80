#include "vs/chain/gateway_key_set.h"

#include <gtest/gtest.h>

#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"

namespace vs::chain {
namespace {

class GatewayKeySetTest : public ::testing::Test {
 protected:
  Result<GatewayKeySet> parse(const std::string& text) {
    return GatewayKeySet::parse(sha_, verifiers_, text);
  }
  std::string line(const std::string& name, const std::string& from, const std::string& until,
                   const platform::OpensslSigner& key) {
    return name + " " + from + " " + until + " " + to_hex(key.public_key()) + "\n";
  }
  std::string failure(const std::string& text) {
    auto parsed = parse(text);
    return parsed ? std::string("parsed") : parsed.error().message();
  }

  platform::OpensslSha256 sha_;
  platform::MbedtlsVerifierFactory verifiers_;
  std::unique_ptr<platform::OpensslSigner> first_ = platform::OpensslSigner::generate().value();
  std::unique_ptr<platform::OpensslSigner> second_ = platform::OpensslSigner::generate().value();
};

TEST_F(GatewayKeySetTest, ARotationClosesTheOpenWindowAndTheTextReadsBackTheSame) {
  GatewayKeySet keys = GatewayKeySet::one(sha_, verifiers_, first_->public_key(), "gw-1").value();
  // Whole seconds: the file keeps no milliseconds.
  ASSERT_TRUE(
      keys.rotate_to(sha_, verifiers_, "gw-2", second_->public_key(), 1'000'000'000'123).ok());
  ASSERT_EQ(keys.keys().size(), 2u);
  EXPECT_EQ(keys.keys()[0].valid_until_ms, 1'000'000'000'000u);
  EXPECT_EQ(keys.keys()[1].valid_from_ms, 1'000'000'000'000u);
  EXPECT_FALSE(keys.keys()[1].valid_until_ms);
  auto any = [](const GatewayKey&) { return true; };
  auto first_only = [](const GatewayKey& key) { return key.name == "gw-1"; };
  EXPECT_EQ(keys.signing_key_at(999'999'999'999, any)->name, "gw-1");
  EXPECT_EQ(keys.signing_key_at(1'000'000'000'000, any)->name, "gw-2");
  EXPECT_EQ(keys.signing_key_at(1'000'000'000'000, first_only), nullptr);

  std::string text = keys.text();
  EXPECT_NE(text.find("gw-1 1970-01-01T00:00:00Z 2001-09-09T01:46:40Z 3059"), std::string::npos)
      << text;
  EXPECT_NE(text.find("gw-2 2001-09-09T01:46:40Z - 3059"), std::string::npos) << text;
  GatewayKeySet read = parse(text).value();
  EXPECT_EQ(read.text(), text);
  EXPECT_EQ(read.find(keys.keys()[1].key_id)->name, "gw-2");
  EXPECT_EQ(read.only(second_->public_key()).value().keys().size(), 1u);
  EXPECT_EQ(read.only(Bytes{1, 2, 3}).error().code(), ErrorCode::kIntegrity);

  // The same name or key again, or a rotation before the newest start.
  EXPECT_EQ(keys.rotate_to(sha_, verifiers_, "gw-2", first_->public_key(), 2'000'000'000'000)
                .error()
                .code(),
            ErrorCode::kConflict);
  auto third = platform::OpensslSigner::generate().value();
  EXPECT_EQ(
      keys.rotate_to(sha_, verifiers_, "gw-3", third->public_key(), 999'000'000'000).error().code(),
      ErrorCode::kConflict);
  EXPECT_EQ(keys.text(), text);  // a refused rotation changes nothing
}

TEST_F(GatewayKeySetTest, EveryBadLineIsNamedWithItsNumberAndReason) {
  std::string good = line("gw-1", "2026-01-01T00:00:00Z", "-", *first_);
  EXPECT_EQ(failure("# only comments\n\n"), "the trusted gateway keys list no key [malformed]");
  EXPECT_EQ(failure("# c\ngw-1 2026-01-01T00:00:00Z -\n"),
            "line 2: a key line is: name, valid from, valid until (or -), public key (hex) "
            "[malformed]");
  EXPECT_EQ(failure(line("gw-1", "2026-02-30T00:00:00Z", "-", *first_)),
            "line 1: 2026-02-30T00:00:00Z: valid from is not a UTC time like "
            "2026-12-03T05:00:00Z [malformed]");
  EXPECT_EQ(failure(line("gw-1", "2026-01-01 00:00:00", "-", *first_)).substr(0, 7), "line 1:");
  EXPECT_EQ(failure(line("gw-1", "2026-01-01T00:00:00Z", "never", *first_)),
            "line 1: never: valid until is not a UTC time like 2026-12-03T05:00:00Z, nor - "
            "[malformed]");
  EXPECT_EQ(failure(line("gw-1", "2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z", *first_)),
            "line 1: gw-1: the window ends before it begins [malformed]");
  EXPECT_EQ(failure(good + line("gw-1", "2026-01-01T00:00:00Z", "-", *second_)),
            "line 2: gw-1: the key name is listed twice [conflict]");
  EXPECT_EQ(failure(good + line("gw-2", "2026-01-01T00:00:00Z", "-", *first_)),
            "line 2: gw-2 (also as gw-1): the public key is listed twice [conflict]");
  EXPECT_NE(failure("gw/1 2026-01-01T00:00:00Z - " + to_hex(first_->public_key()))
                .find("line 1: gw/1: a key name is"),
            std::string::npos);
  EXPECT_NE(failure("gw-1 2026-01-01T00:00:00Z - 3059zz").find("line 1: public key"),
            std::string::npos);
  EXPECT_NE(failure("gw-1 2026-01-01T00:00:00Z - 30590102").find("line 1: key gw-1"),
            std::string::npos);
  EXPECT_EQ(failure(std::string(GatewayKeySet::kMaxTextBytes + 1, '#')),
            "the trusted gateway keys text is over 64 KiB [malformed]");
  std::string many;
  for (int i = 0; i < 65; ++i) {
    auto key = platform::OpensslSigner::generate().value();
    many += line("k" + std::to_string(i), "2026-01-01T00:00:00Z", "-", *key);
  }
  EXPECT_EQ(failure(many), "line 65: more than 64 keys [malformed]");
  // Windows and CRLF line ends, tabs between fields.
  std::string crlf = "gw-1\t2026-01-01T00:00:00Z\t-\t" + to_hex(first_->public_key()) + "\r\n";
  EXPECT_EQ(failure(crlf), "parsed");
}

}  // namespace
}  // namespace vs::chain
