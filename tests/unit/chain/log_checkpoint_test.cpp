// The local ledger's entry layout and its checkpoints, checked against the
// documented format written here independently (C2SP tlog-checkpoint text,
// the signature line a 4-byte key hint and r || s).
#include "vs/chain/log_checkpoint.h"

#include <gtest/gtest.h>

#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::chain {
namespace {

class LogCheckpointTest : public ::testing::Test {
 protected:
  LogCheckpointTest()
      : key_(platform::MbedtlsSigner::generate().value()),
        verifier_(platform::OpensslVerifierFactory().make_verifier(key_->public_key()).value()) {}

  std::string body(const std::string& origin, std::uint64_t size) const {
    Digest root = sha_.digest(as_bytes("root of " + std::to_string(size)));
    return origin + "\n" + std::to_string(size) + "\n" + to_base64(root) + "\n";
  }
  std::string signed_note(const std::string& note_body, const std::string& origin,
                          platform::Signer& signer) const {
    auto signature = signer.sign(sha_.digest(as_bytes(note_body))).value();
    Digest key_digest = sha_.digest(signer.public_key());
    Bytes hint_and_signature(key_digest.begin(), key_digest.begin() + 4);
    hint_and_signature.insert(hint_and_signature.end(), signature.begin(), signature.end());
    return note_body + "\n\xe2\x80\x94 " + origin + " " + to_base64(hint_and_signature) + "\n";
  }
  Result<LogCheckpoint> verify(std::string_view text) const {
    return LogCheckpoint::verify(text, sha_, *verifier_, key_->public_key());
  }

  platform::MbedtlsSha256 sha_;
  std::unique_ptr<platform::MbedtlsSigner> key_;
  std::unique_ptr<platform::Verifier> verifier_;
};

TEST_F(LogCheckpointTest, AnEntryIsEightyNineBytesInTheDocumentedOrder) {
  LogEntry entry;
  entry.index = 7;
  entry.batch_id = 9;
  entry.time_ms = 1'760'000'000'000ULL;
  entry.batch_root = sha_.digest(as_bytes("root"));
  entry.previous = sha_.digest(as_bytes("previous"));
  Bytes bytes = entry.encode();
  ASSERT_EQ(bytes.size(), LogEntry::kSize);
  EXPECT_EQ(bytes[0], 1);  // version
  EXPECT_EQ(get_u64_be(bytes.data() + 1), 7u);
  EXPECT_EQ(get_u64_be(bytes.data() + 9), 9u);
  EXPECT_EQ(get_u64_be(bytes.data() + 17), 1'760'000'000'000ULL);
  EXPECT_TRUE(equal(ByteView(bytes).subspan(25, 32), entry.batch_root));
  EXPECT_TRUE(equal(ByteView(bytes).subspan(57, 32), entry.previous));
  auto decoded = LogEntry::decode(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->index, 7u);
  EXPECT_EQ(decoded->previous, entry.previous);

  Bytes short_bytes(bytes.begin(), bytes.end() - 1);
  EXPECT_EQ(LogEntry::decode(short_bytes).error().code(), ErrorCode::kMalformed);
  bytes[0] = 2;
  EXPECT_EQ(LogEntry::decode(bytes).error().code(), ErrorCode::kUnsupported);
}

TEST_F(LogCheckpointTest, ASignedNoteVerifiesAndNamesItsTree) {
  auto checkpoint = verify(signed_note(body("gw.example/log", 12), "gw.example/log", *key_));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->origin, "gw.example/log");
  EXPECT_EQ(checkpoint->size, 12u);
  EXPECT_EQ(checkpoint->root, sha_.digest(as_bytes("root of 12")));
}

TEST_F(LogCheckpointTest, AChangedTreeOrAnotherKeyDoesNotVerify) {
  std::string good = signed_note(body("gw.example/log", 12), "gw.example/log", *key_);
  std::string grown = good;
  grown.replace(grown.find("\n12\n"), 4, "\n13\n");
  EXPECT_EQ(verify(grown).error().code(), ErrorCode::kIntegrity);
  auto other = platform::MbedtlsSigner::generate().value();
  EXPECT_EQ(
      verify(signed_note(body("gw.example/log", 12), "gw.example/log", *other)).error().code(),
      ErrorCode::kIntegrity);
}

TEST_F(LogCheckpointTest, WhatIsNotACheckpointIsMalformed) {
  EXPECT_EQ(verify("").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(verify(body("gw.example/log", 12)).error().code(), ErrorCode::kMalformed);  // unsigned
  EXPECT_EQ(
      verify(signed_note("gw.example/log\ntwelve\nAAAA\n", "gw.example/log", *key_)).error().code(),
      ErrorCode::kMalformed);
  std::string cut = signed_note(body("gw.example/log", 12), "gw.example/log", *key_);
  cut.pop_back();  // the signature line does not end
  EXPECT_EQ(verify(cut).error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace vs::chain
