// The witness's rules (c2sp.org/tlog-witness add-checkpoint) and its
// cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1).
#include "vs/chain/witness.h"

#include <gtest/gtest.h>

#include "vs/chain/merkle.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"

namespace vs::chain {
namespace {

class WitnessTest : public ::testing::Test {
 protected:
  WitnessTest()
      : log_key_(NoteSignerKey::make(sha_, ed25519_, "log.example/a", NoteKeyType::kEd25519,
                                     Bytes(32, 1))
                     .value()),
        witness_key_(NoteSignerKey::make(sha_, ed25519_, "witness.example/w1",
                                         NoteKeyType::kCosignature, Bytes(32, 2))
                         .value()) {
    for (int i = 0; i < 20; ++i) leaves_.push_back(sha_.digest(as_bytes(std::to_string(i))));
  }

  // The log's checkpoint of its first `size` leaves (or of `leaves`).
  std::string checkpoint(std::uint64_t size, const std::vector<Digest>* leaves = nullptr) const {
    const auto& from = leaves ? *leaves : leaves_;
    LogCheckpoint c{"log.example/a", size,
                    Merkle(sha_).root(std::span(from).first(static_cast<std::size_t>(size)))};
    return c.sign(log_key_).value();
  }
  Witness::Request request(std::uint64_t old_size, std::uint64_t size) const {
    Witness::Request r;
    r.old_size = old_size;
    if (old_size > 0 && old_size < size)
      r.proof =
          Merkle(sha_)
              .consistency_proof(std::span(leaves_).first(static_cast<std::size_t>(size)), old_size)
              .value();
    r.checkpoint = checkpoint(size);
    return r;
  }
  Witness::Decision check(const Witness::Request& r, const std::optional<LogCheckpoint>& latest) {
    std::vector<NoteVerifierKey> logs{log_key_.verifier};
    return Witness(sha_, ed25519_).check(r, logs, latest);
  }
  static int status(const Witness::Decision& d) { return d.refused ? d.refused->http_status : 200; }

  platform::OpensslSha256 sha_;
  platform::OpensslEd25519 ed25519_;
  NoteSignerKey log_key_;
  NoteSignerKey witness_key_;
  std::vector<Digest> leaves_;
};

TEST_F(WitnessTest, ARequestIsTheSpecsBodyBothWays) {
  Witness::Request r = request(5, 12);
  std::string body = r.serialize();
  EXPECT_EQ(body.substr(0, 6), "old 5\n");
  auto parsed = Witness::Request::parse(body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->old_size, 5u);
  EXPECT_EQ(parsed->proof, r.proof);
  EXPECT_EQ(parsed->checkpoint, r.checkpoint);
  EXPECT_FALSE(Witness::Request::parse("old 05\n\n" + r.checkpoint).ok());
  EXPECT_FALSE(Witness::Request::parse("new 5\n\n" + r.checkpoint).ok());
  EXPECT_FALSE(Witness::Request::parse("old 5\nnot base64!\n\n" + r.checkpoint).ok());
  EXPECT_FALSE(Witness::Request::parse("old 5\n").ok());
}

TEST_F(WitnessTest, ItFollowsTheLogForwardAndCosigns) {
  Witness::Decision first = check(request(0, 5), std::nullopt);
  ASSERT_EQ(status(first), 200) << first.refused->reason;
  Witness::Decision next = check(request(5, 12), first.accepted);
  ASSERT_EQ(status(next), 200) << next.refused->reason;
  EXPECT_EQ(next.accepted->size, 12u);
  Witness::Decision same = check(request(12, 12), next.accepted);
  EXPECT_EQ(status(same), 200);

  std::string text = checkpoint(12);
  auto line = Witness::cosign(witness_key_, SignedNote::parse(text)->text, 1'767'225'600);
  ASSERT_TRUE(line.ok());
  SignedNote cosigned = SignedNote::parse(text).value();
  cosigned.signatures.push_back(*line);
  // The message the spec defines, checked here on its own.
  std::string message = "cosignature/v1\ntime 1767225600\n" + cosigned.text;
  EXPECT_TRUE(ed25519_.verify(witness_key_.signer->public_key(), as_bytes(message),
                              ByteView(line->bytes).subspan(8)));
  EXPECT_EQ(get_u64_be(line->bytes.data()), 1'767'225'600u);
  std::vector<NoteVerifierKey> witnesses{witness_key_.verifier};
  EXPECT_EQ(Witness::count_cosigned(cosigned, witnesses, ed25519_).value(), 1u);
  auto other = NoteSignerKey::make(sha_, ed25519_, "witness.example/w2", NoteKeyType::kCosignature,
                                   Bytes(32, 3))
                   .value();
  witnesses.push_back(other.verifier);
  EXPECT_EQ(Witness::count_cosigned(cosigned, witnesses, ed25519_).value(), 1u);
  cosigned.signatures.back().bytes[20] ^= 1;
  EXPECT_EQ(Witness::count_cosigned(cosigned, witnesses, ed25519_).error().code(),
            ErrorCode::kIntegrity);
  // A witness key's id is of type 0x04, not the log's 0x01.
  std::string vkey = witness_key_.verifier.text();
  EXPECT_EQ(from_base64(vkey.substr(vkey.rfind('+') + 1)).value()[0], 0x04);
  EXPECT_FALSE(Witness::cosign(log_key_, text, 1).ok());
}

TEST_F(WitnessTest, EachRefusalHasTheSpecsStatus) {
  auto at5 = check(request(0, 5), std::nullopt).accepted;
  ASSERT_TRUE(at5);
  EXPECT_EQ(status(check(request(3, 12), at5)), 409);  // not what it cosigned last
  EXPECT_EQ(check(request(3, 12), at5).refused->latest_size, 5u);
  Witness::Request backwards = request(5, 12);
  backwards.old_size = 13;
  EXPECT_EQ(status(check(backwards, at5)), 400);
  Witness::Request bad_proof = request(5, 12);
  bad_proof.proof.front()[0] ^= 1;
  EXPECT_EQ(status(check(bad_proof, at5)), 422);
  Witness::Request proof_from_nothing = request(0, 5);
  proof_from_nothing.proof.push_back(Digest{});
  EXPECT_EQ(status(check(proof_from_nothing, std::nullopt)), 422);
  // Unsigned, or signed by another key of the same name: 403.
  Witness::Request forged = request(0, 5);
  auto stranger =
      NoteSignerKey::make(sha_, ed25519_, "log.example/a", NoteKeyType::kEd25519, Bytes(32, 9))
          .value();
  forged.checkpoint = (LogCheckpoint{"log.example/a", 5, Digest{}}).sign(stranger).value();
  EXPECT_EQ(status(check(forged, std::nullopt)), 403);
  // A log it does not follow: 404.
  Witness::Request unknown = request(0, 5);
  auto other_log =
      NoteSignerKey::make(sha_, ed25519_, "log.example/b", NoteKeyType::kEd25519, Bytes(32, 1))
          .value();
  unknown.checkpoint = (LogCheckpoint{"log.example/b", 5, Digest{}}).sign(other_log).value();
  EXPECT_EQ(status(check(unknown, std::nullopt)), 404);
}

TEST_F(WitnessTest, ASplitViewIsRefused) {
  auto at12 = check(request(0, 12), std::nullopt).accepted;
  ASSERT_TRUE(at12);
  // The log shows someone else another history: the same size, another tree.
  std::vector<Digest> other = leaves_;
  other[3] = sha_.digest(as_bytes("another leaf 3"));
  Witness::Request split;
  split.old_size = 12;
  split.checkpoint = checkpoint(12, &other);
  Witness::Decision refused = check(split, at12);
  ASSERT_EQ(status(refused), 422);
  EXPECT_NE(refused.refused->reason.find("split view"), std::string::npos);
  // Or a longer tree that does not extend the cosigned one.
  Witness::Request forked;
  forked.old_size = 12;
  forked.proof = Merkle(sha_).consistency_proof(std::span(other).first(15), 12).value();
  forked.checkpoint = checkpoint(15, &other);
  EXPECT_EQ(status(check(forked, at12)), 422);
}

}  // namespace
}  // namespace vs::chain
