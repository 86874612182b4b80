// The local ledger's entry layout and its checkpoints: C2SP tlog-checkpoint
// notes signed with the log's Ed25519 key (c2sp.org/signed-note), their
// signature lines built here from the spec, independently of the code.
#include "vs/chain/log_checkpoint.h"

#include <gtest/gtest.h>

#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"

namespace vs::chain {
namespace {

class LogCheckpointTest : public ::testing::Test {
 protected:
  LogCheckpointTest()
      : key_(NoteSignerKey::make(sha_, ed25519_, "gw.example/log", NoteKeyType::kEd25519,
                                 Bytes(32, 0x42))
                 .value()) {}

  std::string body(const std::string& origin, std::uint64_t size) const {
    Digest root = sha_.digest(as_bytes("root of " + std::to_string(size)));
    return origin + "\n" + std::to_string(size) + "\n" + to_base64(root) + "\n";
  }
  // The signature line as the spec writes it: key id =
  // SHA-256(name || "\n" || 0x01 || public key)[:4], then the Ed25519 signature.
  std::string signed_note(const std::string& note_body, const NoteSignerKey& key) const {
    Bytes id_input(key.name.begin(), key.name.end());
    id_input.push_back('\n');
    id_input.push_back(0x01);
    id_input.insert(id_input.end(), key.signer->public_key().begin(),
                    key.signer->public_key().end());
    Digest id = sha_.digest(id_input);
    Bytes line(id.begin(), id.begin() + 4);
    Bytes signature = key.signer->sign(as_bytes(note_body)).value();
    line.insert(line.end(), signature.begin(), signature.end());
    return note_body + "\n\xe2\x80\x94 " + key.name + " " + to_base64(line) + "\n";
  }
  Result<LogCheckpoint> verify(std::string_view text) const {
    return LogCheckpoint::verify(text, ed25519_, key_.verifier);
  }

  platform::OpensslSha256 sha_;
  platform::OpensslEd25519 ed25519_;
  NoteSignerKey key_;
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

TEST_F(LogCheckpointTest, ASignedNoteVerifiesAndIsWhatSignWrites) {
  std::string note = signed_note(body("gw.example/log", 12), key_);
  auto checkpoint = verify(note);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->origin, "gw.example/log");
  EXPECT_EQ(checkpoint->size, 12u);
  EXPECT_EQ(checkpoint->root, sha_.digest(as_bytes("root of 12")));
  EXPECT_EQ(checkpoint->sign(key_).value(), note);  // Ed25519 is deterministic
  // A witness's cosignature line rides along, ignored by the log's check.
  std::string cosigned = note + "\xe2\x80\x94 witness.example/w1 AAAAAAAAAAAA\n";
  EXPECT_TRUE(verify(cosigned).ok());
}

TEST_F(LogCheckpointTest, AChangedTreeOrAnotherKeyDoesNotVerify) {
  std::string good = signed_note(body("gw.example/log", 12), key_);
  std::string grown = good;
  grown.replace(grown.find("\n12\n"), 4, "\n13\n");
  EXPECT_EQ(verify(grown).error().code(), ErrorCode::kIntegrity);
  auto other =
      NoteSignerKey::make(sha_, ed25519_, "gw.example/log", NoteKeyType::kEd25519, Bytes(32, 0x43))
          .value();
  EXPECT_EQ(verify(signed_note(body("gw.example/log", 12), other)).error().code(),
            ErrorCode::kIntegrity);  // same name, another key id: not the log's signature
  auto renamed = NoteSignerKey::make(sha_, ed25519_, "gw.example/other", NoteKeyType::kEd25519,
                                     Bytes(32, 0x42))
                     .value();
  EXPECT_EQ(verify(signed_note(body("gw.example/log", 12), renamed)).error().code(),
            ErrorCode::kIntegrity);
  // Signed by the log key, but naming another origin.
  EXPECT_EQ(verify(signed_note(body("gw.example/elsewhere", 12), key_)).error().code(),
            ErrorCode::kMalformed);
  EXPECT_FALSE((LogCheckpoint{"gw.example/elsewhere", 1, {}}.sign(key_).ok()));
}

TEST_F(LogCheckpointTest, WhatIsNotACheckpointIsMalformed) {
  EXPECT_EQ(verify("").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(verify(body("gw.example/log", 12)).error().code(), ErrorCode::kMalformed);  // unsigned
  EXPECT_EQ(verify(signed_note("gw.example/log\ntwelve\nAAAA\n", key_)).error().code(),
            ErrorCode::kMalformed);
  EXPECT_EQ(verify(signed_note("gw.example/log\n012\n" + to_base64(Digest{}) + "\n", key_))
                .error()
                .code(),
            ErrorCode::kMalformed);  // a leading zero
  EXPECT_EQ(verify(signed_note(body("gw.example/log", 12) + "extension\n", key_)).error().code(),
            ErrorCode::kMalformed);
  std::string cut = signed_note(body("gw.example/log", 12), key_);
  cut.pop_back();  // the signature line does not end
  EXPECT_EQ(verify(cut).error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace vs::chain
