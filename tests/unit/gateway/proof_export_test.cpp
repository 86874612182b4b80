// ProofExport builds a reading's proof from the gateway's state, and
// chain::ProofVerifier checks it link by link: a bundle as exported passes
// every link, and a change to one link's bytes fails at that link.
#include "vs/gateway/proof_export.h"
#include "test_log_key.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "fakes/memory_store.h"
#include "test_device.h"
#include "vs/chain/proof_verifier.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/proof_bundle_json.h"

namespace vs::gateway {
namespace {

using chain::ProofLinkKind;

class ProofExportTest : public ::testing::Test {
 protected:
  ProofExportTest()
      : gateway_key_(platform::OpensslSigner::generate().value()),
        ledger_(*state_, sha_, vs::testing::test_log_key("test/proofs")),
        signer_(sha_, *gateway_key_) {
    DeviceRegistry(*state_, sha_, verifiers_).enrol(device_.public_key()).value();
    BlockIngest ingest(*state_, sha_, verifiers_, clock_);
    for (int block = 0; block < 3; ++block)  // seqs 0..11, three blocks of four
      EXPECT_TRUE(ingest.ingest(device_.id().hex(), device_.seal_next(4).encoded).ok());
    BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
    EXPECT_EQ(anchorer.anchor(1000, 2)->size(), 2u);  // two ledger entries
    EXPECT_EQ(anchorer.anchor(2000, 2)->size(), 1u);
  }

  ProofExport::Request request(std::uint64_t seq, bool with_checkpoint) {
    ProofExport::Request out;
    out.device = device_.id();
    out.seq = seq;
    out.gateway_keys =
        chain::GatewayKeySet::one(sha_, verifiers_, gateway_key_->public_key()).value();
    if (with_checkpoint) {
      out.checkpoint = ledger_.checkpoint().value();
      out.log_key = ledger_.log_key();
    }
    return out;
  }

  chain::ProofReport verify(const proto::ProofBundle& bundle) {
    return chain::ProofVerifier(sha_, verifiers_, ed25519_)
        .verify(bundle, gateway_key_->public_key(), &ledger_.log_key());
  }
  void check_every_byte(const proto::ProofBundle& bundle);
  // The link a changed bundle fails at (it must fail).
  ProofLinkKind failing_link(const proto::ProofBundle& bundle) {
    chain::ProofReport report = verify(bundle);
    EXPECT_FALSE(report.ok());
    return report.links.empty() ? ProofLinkKind::kEntry : report.links.back().kind;
  }

  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory verifiers_;
  platform::OpensslEd25519 ed25519_;
  platform::SystemClock clock_;
  vs::testing::MemoryStore store_{kGatewayTableNames.size()};
  std::unique_ptr<GatewayState> state_ = make_key_value_gateway_state(store_);
  std::unique_ptr<platform::OpensslSigner> gateway_key_;
  LocalLedger ledger_;
  chain::ReceiptSigner signer_;
  vs::testing::TestDevice device_;
};

TEST_F(ProofExportTest, AnExportedProofPassesEveryLinkUpToTheCheckpoint) {
  auto exported = ProofExport(*state_, sha_, verifiers_, ed25519_).build(request(9, true));
  ASSERT_TRUE(exported.ok()) << exported.error().message();
  EXPECT_EQ(exported->bundle.seq, 9u);
  EXPECT_EQ(exported->bundle.ledger_size, 2u);  // the checkpoint covers both entries
  EXPECT_EQ(exported->bundle.about.seq, 9u);
  EXPECT_EQ(exported->bundle.about.device, device_.id().hex());
  EXPECT_NE(exported->bundle.about.reading.find("seq 9"), std::string::npos);
  chain::ProofReport report = verify(exported->bundle);
  ASSERT_TRUE(report.ok()) << report.links.back().detail;
  ASSERT_EQ(report.links.size(), chain::kProofLinkCount);
  const ProofLinkKind order[] = {ProofLinkKind::kBlockHeader, ProofLinkKind::kEntry,
                                 ProofLinkKind::kEntryPath,   ProofLinkKind::kReceipt,
                                 ProofLinkKind::kBatchPath,   ProofLinkKind::kLedger,
                                 ProofLinkKind::kAbout};
  for (std::size_t i = 0; i < chain::kProofLinkCount; ++i) {
    EXPECT_EQ(report.links[i].kind, order[i]);
    EXPECT_EQ(report.links[i].name, chain::to_string(order[i]));
  }
  EXPECT_NE(report.links[5].detail.find("checkpoint signed by the log key test/proofs+"),
            std::string::npos);
}

TEST_F(ProofExportTest, AChangeFailsAtTheLinkItBelongsTo) {
  proto::ProofBundle good =
      ProofExport(*state_, sha_, verifiers_, ed25519_).build(request(5, true))->bundle;
  auto changed = [&](auto change) {
    proto::ProofBundle bundle = good;
    change(bundle);
    return failing_link(bundle);
  };
  EXPECT_EQ(changed([](auto& b) { b.seq += 1; }), ProofLinkKind::kEntry);
  EXPECT_EQ(changed([](auto& b) { b.entry_signature[0] ^= 1; }), ProofLinkKind::kEntry);
  EXPECT_EQ(changed([](auto& b) { b.blinding[0] ^= 1; }), ProofLinkKind::kEntryPath);
  EXPECT_EQ(changed([](auto& b) { b.entry_path.front()[0] ^= 1; }), ProofLinkKind::kEntryPath);
  EXPECT_EQ(changed([](auto& b) { b.block_signature[0] ^= 1; }), ProofLinkKind::kBlockHeader);
  EXPECT_EQ(changed([](auto& b) { b.device_id[0] ^= 1; }), ProofLinkKind::kBlockHeader);
  EXPECT_EQ(changed([](auto& b) { b.receipt.back() ^= 1; }), ProofLinkKind::kReceipt);
  EXPECT_EQ(changed([](auto& b) { b.leaf_index += 1; }), ProofLinkKind::kBatchPath);
  EXPECT_EQ(changed([](auto& b) { b.ledger_entry[20] ^= 1; }), ProofLinkKind::kLedger);
  EXPECT_EQ(changed([](auto& b) { b.checkpoint[0] ^= 1; }), ProofLinkKind::kLedger);
  EXPECT_EQ(changed([](auto& b) { b.ledger_path.clear(); }), ProofLinkKind::kLedger);
}

// The link that checks the one field in which `changed` differs from
// `original`; nothing when no field differs.
std::optional<ProofLinkKind> link_of_change(const proto::ProofBundle& original,
                                            const proto::ProofBundle& changed) {
  using Kind = ProofLinkKind;
  const proto::ProofBundle& a = original;
  const proto::ProofBundle& b = changed;
  if (a.about != b.about) return Kind::kAbout;
  if (a.device_id != b.device_id || a.block_header != b.block_header ||
      a.block_signature != b.block_signature || a.device_public_key != b.device_public_key ||
      a.key_rotations != b.key_rotations)
    return Kind::kBlockHeader;
  if (a.seq != b.seq || a.entry != b.entry || a.entry_signature != b.entry_signature)
    return Kind::kEntry;
  if (a.blinding != b.blinding || a.entry_index != b.entry_index || a.entry_path != b.entry_path)
    return Kind::kEntryPath;
  if (a.receipt != b.receipt || a.gateway_public_key != b.gateway_public_key) return Kind::kReceipt;
  if (a.batch_id != b.batch_id || a.batch_root != b.batch_root || a.batch_size != b.batch_size ||
      a.leaf_index != b.leaf_index || a.batch_path != b.batch_path)
    return Kind::kBatchPath;
  if (a.ledger_entry != b.ledger_entry || a.ledger_size != b.ledger_size ||
      a.ledger_path != b.ledger_path || a.checkpoint != b.checkpoint)
    return Kind::kLedger;
  return std::nullopt;
}

// Every byte of an exported proof file, changed in turn (its lowest bit, and
// then its ASCII case bit): the file is refused as not a proof, or it reads
// as a bundle in which one field changed, and the proof fails at the link
// that checks that field. A change that alters nothing checked fails the test.
// Every byte of an exported proof file, changed in turn (its lowest bit, and
// then its ASCII case bit): the file is refused as not a proof, or it reads
// as a bundle in which one field changed, and the proof fails at the link
// that checks that field. A change that alters nothing checked fails the test.
void ProofExportTest::check_every_byte(const proto::ProofBundle& bundle) {
  const std::string text = proto::ProofBundleJson::encode(bundle);
  const proto::ProofBundle original = proto::ProofBundleJson::decode(text).value();
  ASSERT_TRUE(verify(original).ok());
  std::size_t refused = 0;
  std::map<ProofLinkKind, std::size_t> failed_at;
  for (std::size_t at = 0; at < text.size(); ++at) {
    for (char bit : {'\x01', '\x20'}) {
      std::string changed = text;
      changed[at] = static_cast<char>(changed[at] ^ bit);
      auto decoded = proto::ProofBundleJson::decode(changed);
      if (!decoded) {
        ++refused;
        continue;
      }
      auto expected = link_of_change(original, *decoded);
      ASSERT_TRUE(expected) << "byte " << at << " ('" << text[at] << "') changed to '"
                            << changed[at] << "' alters nothing the proof checks";
      chain::ProofReport report = verify(*decoded);
      ASSERT_FALSE(report.ok()) << "byte " << at << " changed and the proof still verifies";
      ASSERT_EQ(report.links.back().kind, *expected)
          << "byte " << at << " ('" << text[at] << "' to '" << changed[at] << "') failed at "
          << report.links.back().name << ": " << report.links.back().detail;
      ++failed_at[*expected];
    }
  }
  // Each link was reached by some change, and the rest were refused as files.
  std::string tally;
  for (std::size_t kind = 0; kind < chain::kProofLinkCount; ++kind) {
    auto link = static_cast<ProofLinkKind>(kind);
    EXPECT_GT(failed_at[link], 0u) << chain::to_string(link);
    tally += std::string(", ") + chain::to_string(link) + " " + std::to_string(failed_at[link]);
  }
  EXPECT_GT(refused, 0u);
  std::printf("%zu bytes, %zu changes: %zu refused as files%s\n", text.size(), 2 * text.size(),
              refused, tally.c_str());
}

TEST_F(ProofExportTest, EveryByteOfTheFileIsCheckedByItsLink) {
  auto exported = ProofExport(*state_, sha_, verifiers_, ed25519_).build(request(5, true));
  ASSERT_TRUE(exported.ok()) << exported.error().message();
  check_every_byte(exported->bundle);
}

// A device that rotated its key twice: a reading signed by the third key is
// proven through both rotations, each announced in a block the key before
// it signed; every byte of that file too lands at its link.
TEST_F(ProofExportTest, AReadingOfARotatedKeyIsProvenThroughEachRotation) {
  BlockIngest ingest(*state_, sha_, verifiers_, clock_);
  std::vector<std::uint64_t> first_seq_of_key;
  for (int rotation = 0; rotation < 2; ++rotation) {
    auto next = platform::MbedtlsSigner::generate().value();
    // The announcing block: a reading, the rotation event, a reading.
    std::uint64_t seq = device_.next_seq();
    std::vector<proto::Entry> entries{vs::testing::heart_rate_entry(seq)};
    proto::Entry event = device_.rotation_event(*next);
    event.seq = seq + 1;
    entries.push_back(event);
    entries.push_back(vs::testing::heart_rate_entry(seq + 2));
    ASSERT_TRUE(ingest.ingest(device_.id().hex(), device_.seal_entries(entries).encoded).ok());
    device_.switch_key(std::move(next));
    first_seq_of_key.push_back(device_.next_seq());
    ASSERT_TRUE(ingest.ingest(device_.id().hex(), device_.seal_next(3).encoded).ok());
  }
  BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
  ASSERT_EQ(anchorer.anchor(3000, 10)->size(), 4u);  // blocks 3 to 6

  ProofExport exports(*state_, sha_, verifiers_, ed25519_);
  auto second_key = exports.build(request(first_seq_of_key[0], true));
  ASSERT_TRUE(second_key.ok()) << second_key.error().message();
  EXPECT_EQ(second_key->bundle.key_rotations.size(), 1u);
  auto third_key = exports.build(request(first_seq_of_key[1] + 2, true));
  ASSERT_TRUE(third_key.ok()) << third_key.error().message();
  ASSERT_EQ(third_key->bundle.key_rotations.size(), 2u);
  chain::ProofReport report = verify(third_key->bundle);
  ASSERT_TRUE(report.ok()) << report.links.back().detail;
  EXPECT_NE(report.links[0].detail.find("(key 2, rotated in blocks 3, 5)"), std::string::npos)
      << report.links[0].detail;
  // The reading next to the first rotation event is the first key's: none.
  EXPECT_TRUE(exports.build(request(first_seq_of_key[0] - 1, true))->bundle.key_rotations.empty());

  auto fails_with = [&](auto change) {
    proto::ProofBundle bundle = third_key->bundle;
    change(bundle);
    chain::ProofReport changed = verify(bundle);
    EXPECT_FALSE(changed.ok());
    EXPECT_EQ(changed.links.back().kind, ProofLinkKind::kBlockHeader);
    return changed.links.back().detail;
  };
  EXPECT_EQ(fails_with([](auto& b) { b.key_rotations.pop_back(); }),
            "the header names key index 2, the proof carries 1 key rotations");
  EXPECT_EQ(fails_with([](auto& b) { std::swap(b.key_rotations[0], b.key_rotations[1]); }),
            "key rotation 1: its block is not signed by the key before it [integrity]");
  // The rotated key given as the device's key: it is not the device's id.
  EXPECT_EQ(fails_with([&](auto& b) {
              b.device_public_key = Bytes(device_.public_key().begin(), device_.public_key().end());
              b.key_rotations.clear();
            }),
            "the device key is not the key of the device the header names");
  // A rotation another key signed: a stranger cannot hand the device a key.
  auto stranger = platform::MbedtlsSigner::generate().value();
  EXPECT_EQ(fails_with([&](auto& b) {
              auto signature = stranger->sign(sha_.digest(b.key_rotations[1].block_header));
              b.key_rotations[1].block_signature.assign(signature->begin(), signature->end());
            }),
            "key rotation 2: the key before it did not sign its block header [integrity]");

  check_every_byte(third_key->bundle);
}

TEST_F(ProofExportTest, WithoutATrustedGatewayKeyNothingIsDecided) {
  proto::ProofBundle bundle =
      ProofExport(*state_, sha_, verifiers_, ed25519_).build(request(5, true))->bundle;
  chain::ProofReport report =
      chain::ProofVerifier(sha_, verifiers_, ed25519_).verify(bundle, {}, &ledger_.log_key());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.links.back().kind, ProofLinkKind::kReceipt);
  EXPECT_NE(report.links.back().detail.find("cannot decide"), std::string::npos);
  // Another gateway's key, however valid, is not this proof's.
  auto other = platform::OpensslSigner::generate().value();
  report = chain::ProofVerifier(sha_, verifiers_, ed25519_)
               .verify(bundle, other->public_key(), &ledger_.log_key());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.links.back().kind, ProofLinkKind::kReceipt);
}

TEST_F(ProofExportTest, EverySeqIsFoundInItsBlockAmongBlocksOfEverySize) {
  // 3 blocks of four (seqs 0..11), then 40 of 1 to 5 entries: 131 seqs in 43 blocks.
  std::vector<std::uint64_t> height_of_seq;  // indexed by seq
  for (std::uint64_t seq = 0; seq < 12; ++seq) height_of_seq.push_back(seq / 4);
  BlockIngest ingest(*state_, sha_, verifiers_, clock_);
  for (std::uint64_t height = 3; height < 43; ++height) {
    std::size_t entries = static_cast<std::size_t>(height % 5) + 1;
    ASSERT_TRUE(ingest.ingest(device_.id().hex(), device_.seal_next(entries).encoded).ok());
    height_of_seq.insert(height_of_seq.end(), entries, height);
  }
  BatchAnchorer anchorer(*state_, sha_, ledger_, signer_);
  ASSERT_TRUE(anchorer.anchor(3000, 100).ok());
  ProofExport proofs(*state_, sha_, verifiers_, ed25519_);
  for (std::size_t seq = 0; seq < height_of_seq.size(); ++seq) {
    auto exported = proofs.build(request(seq, true));
    ASSERT_TRUE(exported.ok()) << "seq " << seq << ": " << exported.error().message();
    auto header = proto::WireCodec::decode_block_header(exported->bundle.block_header).value();
    EXPECT_EQ(header.height, height_of_seq[seq]) << "seq " << seq;
    EXPECT_EQ(exported->bundle.seq, seq);
    EXPECT_TRUE(verify(exported->bundle).ok()) << "seq " << seq;
  }
  EXPECT_EQ(proofs.build(request(height_of_seq.size(), false)).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(ProofExportTest, WhatCannotBeProvenIsAnErrorNamingWhy) {
  ProofExport proofs(*state_, sha_, verifiers_, ed25519_);
  EXPECT_EQ(proofs.build(request(12, false)).error().code(), ErrorCode::kNotFound);  // no such seq
  vs::testing::TestDevice stranger;
  auto unknown = request(0, false);
  unknown.device = stranger.id();
  EXPECT_EQ(proofs.build(unknown).error().code(), ErrorCode::kNotFound);
  auto forged = request(0, false);
  forged.checkpoint = "not a checkpoint\n";
  EXPECT_FALSE(proofs.build(forged).ok());
  // Accepted but not anchored: no receipt yet.
  BlockIngest(*state_, sha_, verifiers_, clock_)
      .ingest(device_.id().hex(), device_.seal_next(1).encoded)
      .value();
  auto pending = proofs.build(request(12, false));
  ASSERT_FALSE(pending.ok());
  EXPECT_NE(pending.error().message().find("no receipt"), std::string::npos);
}

}  // namespace
}  // namespace vs::gateway
