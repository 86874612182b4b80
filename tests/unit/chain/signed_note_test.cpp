// C2SP signed notes against answers we did not compute: the spec's example
// note, and the keys and signature in the tests of Go's
// golang.org/x/mod/sumdb/note (Debian golang-golang-x-mod-dev 0.7.0).
#include "vs/chain/signed_note.h"

#include <gtest/gtest.h>

#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"

namespace vs::chain {
namespace {

constexpr const char* kGoSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr const char* kGoVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr const char* kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr const char* kGoSigned =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

class SignedNoteTest : public ::testing::Test {
 protected:
  platform::OpensslSha256 sha_;
  platform::OpensslEd25519 ed25519_;
};

TEST_F(SignedNoteTest, GoNoteKeysAndSignatureAreReproducedExactly) {
  auto signer = NoteSignerKey::parse(sha_, ed25519_, kGoSkey);
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  EXPECT_EQ(signer->text(), kGoSkey);
  EXPECT_EQ(signer->verifier.text(), kGoVkey);
  SignedNote note;
  note.text = kGoText;
  note.signatures.push_back(
      {signer->name, signer->verifier.id, signer->signer->sign(as_bytes(note.text)).value()});
  EXPECT_EQ(note.serialize(), kGoSigned);

  auto vkey = NoteVerifierKey::parse(sha_, kGoVkey);
  ASSERT_TRUE(vkey.ok()) << vkey.error().message();
  auto parsed = SignedNote::parse(kGoSigned);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->text, kGoText);
  const SignedNote::Signature* by = parsed->signed_by(*vkey);
  ASSERT_NE(by, nullptr);
  EXPECT_TRUE(ed25519_.verify(vkey->public_key, as_bytes(parsed->text), by->bytes));
}

TEST_F(SignedNoteTest, TheSpecsExampleVerifies) {
  // c2sp.org/signed-note, "Example".
  auto vkey = NoteVerifierKey::parse(
      sha_, "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  ASSERT_TRUE(vkey.ok()) << vkey.error().message();
  auto note = SignedNote::parse(
      "This is an example message.\n\n\xe2\x80\x94 example.com/foo "
      "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
      "\n");
  ASSERT_TRUE(note.ok()) << note.error().message();
  const SignedNote::Signature* by = note->signed_by(*vkey);
  ASSERT_NE(by, nullptr);
  EXPECT_TRUE(ed25519_.verify(vkey->public_key, as_bytes(note->text), by->bytes));
}

TEST_F(SignedNoteTest, KeysThatDoNotAddUpAreRefused) {
  std::string vkey = kGoVkey;
  std::string wrong_id = vkey;
  wrong_id.replace(wrong_id.find("c74f20a3"), 8, "c74f20a4");
  EXPECT_EQ(NoteVerifierKey::parse(sha_, wrong_id).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(NoteVerifierKey::parse(sha_, "Peter Neumann+c74f20a3+AAAA").error().code(),
            ErrorCode::kMalformed);
  EXPECT_EQ(NoteVerifierKey::parse(sha_, "PeterNeumann+c74f20a3").error().code(),
            ErrorCode::kMalformed);
  // Type 0x05 (RFC 6962 tree heads): not one vitalsign reads.
  auto other_type = NoteVerifierKey::parse(
      sha_, "PeterNeumann+c74f20a3+BRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  EXPECT_FALSE(other_type.ok());
  std::string skey = kGoSkey;
  skey.back() = skey.back() == 'z' ? 'y' : 'z';  // another seed: another key id
  EXPECT_EQ(NoteSignerKey::parse(sha_, ed25519_, skey).error().code(), ErrorCode::kMalformed);
  EXPECT_FALSE(NoteSignerKey::parse(sha_, ed25519_, kGoVkey).ok());  // not a signer key
}

TEST_F(SignedNoteTest, WhatIsNotASignedNoteIsNamed) {
  auto reason = [](std::string_view text) {
    auto parsed = SignedNote::parse(text);
    return parsed ? std::string("parsed") : parsed.error().message();
  };
  EXPECT_NE(reason("text\n").find("no blank line"), std::string::npos);
  EXPECT_NE(reason("text\n\n").find("no signature"), std::string::npos);
  EXPECT_NE(reason("text\n\nnot a signature\n").find("not a signature"), std::string::npos);
  EXPECT_NE(reason("text\n\n\xe2\x80\x94 name AAAA\n").find("key id"), std::string::npos);
  EXPECT_NE(reason("te\rxt\n\n\xe2\x80\x94 name AAAAAAAA\n").find("control"), std::string::npos);
  EXPECT_NE(reason("text\n\n\xe2\x80\x94 name AAAAAAAA").find("newline"), std::string::npos);
  std::string many = "text\n\n";
  for (int i = 0; i < 65; ++i) many += "\xe2\x80\x94 name AAAAAAAA\n";
  EXPECT_NE(reason(many).find("more than 64"), std::string::npos);
  // The last blank line separates: the text may hold blank lines.
  auto parsed = SignedNote::parse("a\n\nb\n\n\xe2\x80\x94 name AAAAAAAA\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->text, "a\n\nb\n");
}

}  // namespace
}  // namespace vs::chain
