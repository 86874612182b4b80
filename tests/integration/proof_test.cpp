// `vitalsign proof export` and `vitalsign verify`, the real binary on a real
// gateway store: a round trip, then a tamper table (one case per link, each
// must fail at that link and say so), then files that are not proofs.
#include <gtest/gtest.h>

#include <fstream>

#include "child_process.h"
#include "temp_dir.h"
#include "test_device.h"
#include "test_log_key.h"
#include "vs/chain/receipt_signer.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/proof_bundle_json.h"
#include "vs/proto/wire_codec.h"

namespace vs {
namespace {

using CliRun = testing::CommandResult;

CliRun vitalsign(std::vector<std::string> args) {
  args.insert(args.begin(), VS_VITALSIGN_BINARY);
  return testing::run_command(args);
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class ProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    platform::FileKeyStore keys(dir_.path() / "keys");
    auto gateway_key = keys.create("gateway").value();
    platform::LmdbStoreOptions options;
    options.directory = dir_.path() / "gateway-data";
    options.tables = gateway::kGatewayTableNames;
    auto store = platform::LmdbStore::open(options).value();
    platform::OpensslSha256 sha;
    platform::OpensslVerifierFactory verifiers;
    auto state = gateway::make_key_value_gateway_state(*store);
    platform::SystemClock clock;
    gateway::BlockIngest ingest(*state, sha, verifiers, clock);
    ASSERT_TRUE(gateway::DeviceRegistry(*state, sha, verifiers).enrol(device_.public_key()).ok());
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(ingest.ingest(device_.id().hex(), device_.seal_next(4).encoded).ok());
    gateway::LocalLedger ledger(*state, sha, vs::testing::test_log_key("test/gateway"));
    chain::ReceiptSigner signer(sha, *gateway_key);
    gateway::BatchAnchorer anchorer(*state, sha, ledger, signer);
    ASSERT_EQ(anchorer.anchor(1000, 2)->size(), 2u);  // two batches: the log has two entries
    ASSERT_EQ(anchorer.anchor(2000, 2)->size(), 1u);
    std::ofstream(dir_.path() / "checkpoint") << ledger.checkpoint().value();
    std::ofstream(log_vkey()) << ledger.log_key().text() << "\n";
  }
  // The log's vkey, as the gateway writes it beside its log key.
  std::string log_vkey() const { return (dir_.path() / "keys" / "log.vkey").string(); }

  CliRun export_proof(std::uint64_t seq, bool checkpoint = true) {
    std::vector<std::string> args{
        "proof",         "export",
        "--store",       (dir_.path() / "gateway-data").string(),
        "--device",      device_.id().hex(),
        "--seq",         std::to_string(seq),
        "--gateway-key", (dir_.path() / "keys" / "gateway.pub.pem").string(),
        "--out",         proof().string()};
    if (checkpoint) {
      args.push_back("--checkpoint");
      args.push_back((dir_.path() / "checkpoint").string());
      args.push_back("--log-key");
      args.push_back(log_vkey());
    }
    CliRun run = vitalsign(args);
    // Every proof exported here is also held to the published JSON Schema.
    if (run.exit_code == 0) {
      CliRun valid = testing::run_command(
          {"/usr/bin/python3", VS_SOURCE_DIR "/tests/support/validate_json_schema.py",
           VS_SOURCE_DIR "/proto/proof.schema.json", proof().string()});
      EXPECT_EQ(valid.exit_code, 0) << valid.output;
    }
    return run;
  }
  std::filesystem::path proof() const { return dir_.path() / "proof.json"; }
  CliRun verify(const std::filesystem::path& file, bool json = false) {
    std::vector<std::string> args{
        "verify",        file.string(),
        "--gateway-key", (dir_.path() / "keys" / "gateway.pub.pem").string(),
        "--log-key",     log_vkey()};
    if (json) args.push_back("--json");
    return vitalsign(args);
  }

  testing::TempDir dir_;
  testing::TestDevice device_;
};

TEST_F(ProofTest, AnExportedReadingVerifiesLinkByLinkUpToASignedCheckpoint) {
  CliRun exported = export_proof(9);  // block 2, in the second batch
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  CliRun verified = verify(proof());
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  for (const char* link : {"ok   block header", "ok   entry ", "ok   entry path", "ok   receipt",
                           "ok   batch path", "ok   ledger", "ok   about"})
    EXPECT_NE(verified.output.find(link), std::string::npos) << link << "\n" << verified.output;
  EXPECT_NE(verified.output.find("in a checkpoint signed by the log key test/gateway+"),
            std::string::npos)
      << verified.output;
  EXPECT_NE(verified.output.find("\nverified\n"), std::string::npos);
  // The export is in the gateway's access log, queued for the next batch.
  CliRun access =
      vitalsign({"access", "list", "--store", (dir_.path() / "gateway-data").string(), "--json"});
  EXPECT_NE(access.output.find("\"seq\":9,\"readings\":1,\"purpose\":\"proof export\""),
            std::string::npos)
      << access.output;
  // A proof never vouches for itself: without the trusted key, no decision.
  CliRun undecided = vitalsign({"verify", proof().string()});
  EXPECT_EQ(undecided.exit_code, 1) << undecided.output;
  EXPECT_NE(undecided.output.find("cannot decide"), std::string::npos) << undecided.output;
  EXPECT_NE(undecided.output.find("NOT verified"), std::string::npos) << undecided.output;
  // Nor does its checkpoint: without the log's vkey, or with another log's,
  // the ledger link fails.
  std::string gateway_key = (dir_.path() / "keys" / "gateway.pub.pem").string();
  CliRun no_log_key = vitalsign({"verify", proof().string(), "--gateway-key", gateway_key});
  EXPECT_EQ(no_log_key.exit_code, 1) << no_log_key.output;
  EXPECT_NE(no_log_key.output.find("FAIL ledger"), std::string::npos) << no_log_key.output;
  EXPECT_NE(no_log_key.output.find("no trusted log key"), std::string::npos) << no_log_key.output;
  CliRun other_log =
      vitalsign({"verify", proof().string(), "--gateway-key", gateway_key, "--log-key",
                 testing::test_log_key("test/gateway2").verifier.text()});
  EXPECT_EQ(other_log.exit_code, 1) << other_log.output;
  EXPECT_NE(other_log.output.find("no signature by the log key"), std::string::npos)
      << other_log.output;
  CliRun not_a_key = vitalsign(
      {"verify", proof().string(), "--gateway-key", gateway_key, "--log-key", "nothing+1+2"});
  EXPECT_EQ(not_a_key.exit_code, 3) << not_a_key.output;
  EXPECT_NE(not_a_key.output.find("neither a file nor a vkey"), std::string::npos)
      << not_a_key.output;
  // The file is checked byte for byte: reformatted or with text appended, it
  // is not the proof that was exported.
  std::string text = read(proof());
  auto reformatted = dir_.path() / "reformatted.json";
  std::ofstream(reformatted) << text << "\n";
  EXPECT_EQ(verify(reformatted).exit_code, 3);
  // Without a checkpoint the ledger link says what it could not tie.
  ASSERT_EQ(export_proof(0, false).exit_code, 0);
  EXPECT_NE(verify(proof()).output.find("no checkpoint in the bundle"), std::string::npos);
}

TEST_F(ProofTest, ATamperedBundleFailsAtTheLinkThatWasChanged) {
  ASSERT_EQ(export_proof(5).exit_code, 0);
  auto original = proto::ProofBundleJson::decode(read(proof())).value();
  struct Case {
    const char* what;
    const char* link;
    const char* says;
    std::function<void(proto::ProofBundle&)> tamper;
  };
  auto flip = [](std::vector<std::uint8_t>& bytes, std::size_t at) { bytes.at(at) ^= 0x01; };
  std::vector<Case> cases{
      {"entry value", "entry", "signature on the entry",
       [&](auto& b) {
         auto entry = proto::WireCodec::decode_entry(b.entry).value();
         std::get<proto::Reading>(entry.body).mantissa += 1;  // 72 -> 73 /min
         b.entry = proto::WireCodec::encode(entry).value();
       }},
      {"blinding", "entry path", "entries root", [&](auto& b) { flip(b.blinding, 0); }},
      {"entry path", "entry path", "entries root", [&](auto& b) { flip(b.entry_path.at(0), 3); }},
      {"header field", "block header", "signature does not verify over this header",
       [&](auto& b) {
         auto header = proto::WireCodec::decode_block_header(b.block_header).value();
         header.sealed_time_ms += 1;
         b.block_header = proto::WireCodec::encode(header).value();
       }},
      {"device signature", "block header", "signature does not verify",
       [&](auto& b) { flip(b.block_signature, 10); }},
      {"batch path", "batch path", "differ from what the gateway signed",
       [&](auto& b) { flip(b.batch_path.at(0), 0); }},
      {"receipt", "receipt", "receipt", [&](auto& b) { flip(b.receipt, b.receipt.size() - 70); }},
      {"ledger entry (tx data)", "ledger", "not the one the receipt names",
       [&](auto& b) { flip(b.ledger_entry, 30); }},
      {"checkpoint", "ledger", "checkpoint",
       [&](auto& b) { b.checkpoint[b.checkpoint.find('\n') + 1] ^= 0x01; }},
  };
  for (const Case& c : cases) {
    proto::ProofBundle bundle = original;
    c.tamper(bundle);
    auto file = dir_.path() / "tampered.json";
    std::ofstream(file) << proto::ProofBundleJson::encode(bundle);
    CliRun run = verify(file, true);
    EXPECT_EQ(run.exit_code, 1) << c.what << ": " << run.output;
    std::string failed = std::string("{\"link\":\"") + c.link + "\",\"ok\":false";
    EXPECT_NE(run.output.find(failed), std::string::npos) << c.what << ": " << run.output;
    EXPECT_NE(run.output.find(c.says), std::string::npos) << c.what << ": " << run.output;
  }
}

// The same store through the operator's eyes.
TEST_F(ProofTest, StatusShowsTheDeviceTheQueueAndTheRecentAnchors) {
  CliRun status =
      vitalsign({"status", "--store", (dir_.path() / "gateway-data").string(), "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("{\"device_id\":\"" + device_.id().hex() +
                               "\",\"tip_height\":2,\"queued_blocks\":0,\"held_blocks\":0"),
            std::string::npos)
      << status.output;
  EXPECT_NE(status.output.find("\"queued_blocks\":0,\"batches_awaiting_finality\":0,"
                               "\"next_batch_id\":3"),
            std::string::npos)
      << status.output;
  // Newest first: batch 2 (one block, ledger entry 1), then batch 1 (two blocks, entry 0).
  auto second = status.output.find("{\"batch_id\":2,\"time_ms\":2000,\"blocks\":1,");
  auto first = status.output.find("{\"batch_id\":1,\"time_ms\":1000,\"blocks\":2,");
  ASSERT_NE(second, std::string::npos) << status.output;
  ASSERT_NE(first, std::string::npos) << status.output;
  EXPECT_LT(second, first);
  EXPECT_NE(status.output.find("\"ledger\":\"test/gateway\""), std::string::npos);
  CliRun text = vitalsign({"status", "--store", (dir_.path() / "gateway-data").string()});
  EXPECT_NE(text.output.find("0 blocks waiting for an anchor, 0 anchors awaiting finality, next "
                             "batch 3"),
            std::string::npos)
      << text.output;
  EXPECT_EQ(vitalsign({"status", "--store", (dir_.path() / "nowhere").string()}).exit_code, 4);
}

TEST_F(ProofTest, FilesThatAreNotProofsGetAClearErrorAndExitCode) {
  ASSERT_EQ(export_proof(2).exit_code, 0);
  std::string good = read(proof());
  struct Case {
    const char* what;
    std::string text;
    const char* says;
  };
  std::string newer = good;
  newer.replace(newer.find("\"version\": 1"), 12, "\"version\": 2");
  std::string no_receipt = good;
  no_receipt.replace(no_receipt.find("\"receipt\""), 9, "\"receipx\"");
  for (const Case& c : {Case{"truncated", good.substr(0, good.size() / 2), "not a JSON object"},
                        Case{"empty", "", "not a JSON object"},
                        Case{"another format", "{\"format\":\"x\"}", "not a vitalsign proof file"},
                        Case{"newer version", newer, "proof version not supported"},
                        Case{"missing field", no_receipt, "batch.receipt"},
                        Case{"bad hex",
                             "{\"format\":\"vitalsign-proof\",\"version\":1,"
                             "\"device_id\":\"zz\"}",
                             "device_id"}}) {
    auto file = dir_.path() / "bad.json";
    std::ofstream(file) << c.text;
    CliRun run = verify(file);
    EXPECT_EQ(run.exit_code, 3) << c.what << ": " << run.output;
    EXPECT_NE(run.output.find(c.says), std::string::npos) << c.what << ": " << run.output;
  }
  EXPECT_EQ(vitalsign({"verify", (dir_.path() / "nowhere.json").string()}).exit_code, 4);
  CliRun unknown_seq = export_proof(999);
  EXPECT_EQ(unknown_seq.exit_code, 4);
  EXPECT_NE(unknown_seq.output.find("no accepted block of this device holds that seq"),
            std::string::npos);
}

}  // namespace
}  // namespace vs
