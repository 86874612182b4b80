// `vitalsign fhir export` and `vitalsign access list`, the real binary on a
// real gateway store: every kind of reading, consent granted and revoked,
// a block not yet anchored; the Bundle is checked against the FHIR R4 JSON
// schema (Node.js validator installed by scripts/setup.sh); every export is
// in the access log and anchored by the next batch.
#include <gtest/gtest.h>

#include <fstream>

#include "child_process.h"
#include "temp_dir.h"
#include "test_device.h"
#include "test_files.h"
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

namespace vs {
namespace {

using CommandRun = testing::CommandResult;
using testing::count_occurrences;
using testing::read_file;

constexpr std::uint64_t kStartMs = 1'763'800'000'000ULL;  // 2025-11-22T08:26:40Z

proto::Entry reading(std::uint64_t seq, proto::VitalKind kind, std::int64_t mantissa,
                     std::int32_t exponent = 0, std::uint32_t quality = proto::kQualityOk) {
  proto::Entry entry;
  entry.seq = seq;
  entry.time_ms = kStartMs + seq * 1000;
  proto::Reading value;
  value.kind = kind;
  value.mantissa = mantissa;
  value.exponent = exponent;
  value.quality = quality;
  entry.body = value;
  return entry;
}

proto::Entry event(std::uint64_t seq, proto::EventKind kind, const std::string& text) {
  proto::Entry entry;
  entry.seq = seq;
  entry.time_ms = kStartMs + seq * 1000;
  proto::Event value;
  value.kind = kind;
  if (kind == proto::EventKind::kEnrolment)
    value.subject = text;
  else
    value.recipient = text;
  entry.body = value;
  return entry;
}

class FhirExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    using K = proto::VitalKind;
    // Block 0: enrolment, every vital kind, a blood-pressure pair taken
    // together, a diastolic alone, an alarm with the probe off, an ECG strip.
    std::vector<proto::Entry> first{
        event(0, proto::EventKind::kEnrolment, "subject-7f3a"),
        reading(1, K::kHeartRate, 72),
        reading(2, K::kSpo2, 97),
        reading(3, K::kBpSystolic, 121),
        reading(4, K::kBpDiastolic, 79),
        reading(5, K::kBodyTemperature, 366, -1),
        reading(6, K::kRespiratoryRate, 16),
        reading(7, K::kBpDiastolic, 81),
        reading(8, K::kHeartRate, 141, 0, proto::kQualityAlarm | proto::kQualityProbeOff),
        reading(9, K::kEcg, 0, -3),
    };
    first[4].time_ms = first[3].time_ms;  // one cuff measurement
    auto& ecg = std::get<proto::Reading>(first[9].body);
    ecg.sample_rate_mhz = 250'000;  // 250 Hz
    ecg.samples = {12, -40, 310, 1020, 150, -20, 5};
    // Block 1: consent for clinic-a, two readings, consent revoked, one more.
    std::vector<proto::Entry> second{
        event(10, proto::EventKind::kConsentGranted, "clinic-a"),
        reading(11, K::kHeartRate, 80),
        reading(12, K::kSpo2, 98),
        event(13, proto::EventKind::kConsentRevoked, "clinic-a"),
        reading(14, K::kHeartRate, 82),
    };
    // Block 2: accepted, never anchored.
    std::vector<proto::Entry> third{reading(15, K::kHeartRate, 90)};

    platform::FileKeyStore keys(dir_.path() / "keys");
    auto gateway_key = keys.create("gateway").value();
    auto store = open_store();
    auto state = gateway::make_key_value_gateway_state(*store);
    platform::SystemClock clock;
    gateway::BlockIngest ingest(*state, sha_, verifiers_, clock);
    ASSERT_TRUE(gateway::DeviceRegistry(*state, sha_, verifiers_).enrol(device_.public_key()).ok());
    for (const auto& entries : {first, second, third}) {
      auto accepted = ingest.ingest(device_.id().hex(), device_.seal_entries(entries).encoded);
      ASSERT_TRUE(accepted.ok()) << accepted.error().message();
    }
    ASSERT_EQ(anchor(*store, 2), 2u);  // blocks 0 and 1 only
  }

  std::unique_ptr<platform::LmdbStore> open_store() {
    platform::LmdbStoreOptions options;
    options.directory = dir_.path() / "gateway-data";
    options.tables = gateway::kGatewayTableNames;
    return platform::LmdbStore::open(options).value();
  }

  // Anchors up to `max_items` queued items (blocks, access records) as one batch.
  std::size_t anchor(platform::LmdbStore& store, std::size_t max_items) {
    platform::FileKeyStore keys(dir_.path() / "keys");
    auto gateway_key = keys.load("gateway").value();
    auto state = gateway::make_key_value_gateway_state(store);
    gateway::LocalLedger ledger(*state, sha_, vs::testing::test_log_key("test/gateway"));
    chain::ReceiptSigner signer(sha_, *gateway_key);
    gateway::BatchAnchorer anchorer(*state, sha_, ledger, signer);
    return anchorer.anchor(++batch_time_ms_, max_items).value().size();
  }

  CommandRun vitalsign(std::vector<std::string> args) {
    args.insert(args.begin(), VS_VITALSIGN_BINARY);
    return testing::run_command(args);
  }
  CommandRun export_fhir(std::vector<std::string> extra, const std::string& out = "bundle.json") {
    std::vector<std::string> args{
        "fhir",     "export",           "--store", store_dir(),
        "--device", device_.id().hex(), "--out",   (dir_.path() / out).string(),
        "--by",     "auditor-1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return vitalsign(args);
  }
  CommandRun validate(const std::string& file) {
    CommandRun checked =
        testing::run_command({VS_NODE_BINARY, VS_FHIR_VALIDATE_SCRIPT, VS_FHIR_VALIDATOR_MODULE,
                              (dir_.path() / file).string()});
    EXPECT_NE(checked.exit_code, -1)
        << "cannot run Node.js (" VS_NODE_BINARY "): run scripts/setup.sh";
    return checked;
  }
  // A copy of `text` with the first `from` replaced by `to`, as `file`.
  std::string write_changed(std::string text, std::string_view from, std::string_view to,
                            const std::string& file) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    std::ofstream(dir_.path() / file) << text;
    return file;
  }
  // The vital-signs profiles, by validators from npm (validate_profiles.js).
  CommandRun meets_profiles(const std::string& file) {
    CommandRun checked = testing::run_command(
        {VS_NODE_BINARY, VS_FHIR_PROFILES_SCRIPT, VS_NODE_MODULES, (dir_.path() / file).string()});
    EXPECT_NE(checked.exit_code, -1)
        << "cannot run Node.js (" VS_NODE_BINARY "): run scripts/setup.sh";
    return checked;
  }
  std::string store_dir() const { return (dir_.path() / "gateway-data").string(); }

  testing::TempDir dir_;
  testing::TestDevice device_;
  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory verifiers_;
  std::uint64_t batch_time_ms_ = 1000;
};

TEST_F(FhirExportTest, EveryAnchoredReadingBecomesASchemaValidObservation) {
  CommandRun exported = export_fhir({});
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  // 12 readings: the blood-pressure pair is one panel, so 11 Observations;
  // seq 15's block is not anchored and is named as left out.
  EXPECT_NE(exported.output.find("12 readings as 11 Observations from 3 verified blocks"),
            std::string::npos)
      << exported.output;
  EXPECT_NE(exported.output.find("1 readings left out: their blocks are not anchored yet"),
            std::string::npos)
      << exported.output;
  std::string bundle = read_file(dir_.path() / "bundle.json");
  EXPECT_EQ(count_occurrences(bundle, "\"resourceType\": \"Observation\""), 11u);
  EXPECT_EQ(count_occurrences(bundle, "\"resourceType\": \"Provenance\""), 2u);
  EXPECT_EQ(count_occurrences(bundle, "\"resourceType\": \"Device\""), 1u);
  for (const char* code : {"\"8867-4\"", "\"2708-6\"", "\"59408-5\"", "\"85354-9\"", "\"8480-6\"",
                           "\"8462-4\"", "\"8310-5\"", "\"9279-1\"", "\"131328\""})
    EXPECT_NE(bundle.find(code), std::string::npos) << code;
  EXPECT_NE(bundle.find("\"value\": 36.6"), std::string::npos);  // 366 x 10^-1 Cel
  EXPECT_NE(bundle.find("\"period\": 4.0"), std::string::npos);  // 250 Hz
  EXPECT_NE(bundle.find("\"data\": \"12 -40 310 1020 150 -20 5\""), std::string::npos);
  EXPECT_NE(bundle.find("\"code\": \"A\""), std::string::npos);  // the alarm
  EXPECT_NE(bundle.find("sensor alarm, probe off"), std::string::npos);
  EXPECT_NE(bundle.find("\"value\": \"subject-7f3a\""), std::string::npos);
  EXPECT_NE(bundle.find("not recorded with this reading"), std::string::npos);  // lone diastolic
  // The blood-pressure panel (seqs 3 and 4) is created only if neither reading was before.
  EXPECT_NE(
      bundle.find("\"ifNoneExist\": \"identifier=urn:vitalsign:reading|" + device_.id().hex() +
                  "/3,urn:vitalsign:reading|" + device_.id().hex() + "/4\""),
      std::string::npos);
  EXPECT_NE(bundle.find("\"url\": \"Provenance/vs-" + device_.id().hex() + "-1\""),
            std::string::npos);
  EXPECT_EQ(bundle.find("/15\""), std::string::npos);  // the unanchored reading is not there

  CommandRun valid = validate("bundle.json");
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
  EXPECT_NE(valid.output.find("valid "), std::string::npos) << valid.output;

  // The FHIR R4 vital-signs profiles (heartrate, oxygensat, bodytemp,
  // resprate, bp): codes, category, subject, UCUM units, bindings, slices.
  CommandRun profiled = meets_profiles("bundle.json");
  EXPECT_EQ(profiled.exit_code, 0) << profiled.output;
  EXPECT_NE(profiled.output.find("profiles met"), std::string::npos) << profiled.output;
  // Nor are those validators rubber stamps: a unit the profile does not fix,
  // and a reading without its subject, each fail and are named.
  CommandRun wrong_unit =
      meets_profiles(write_changed(bundle, "\"code\": \"/min\"", "\"code\": \"bpm\"", "bpm.json"));
  EXPECT_EQ(wrong_unit.exit_code, 1) << wrong_unit.output;
  EXPECT_NE(wrong_unit.output.find("unit bpm is not valid UCUM"), std::string::npos)
      << wrong_unit.output;
  CommandRun no_subject = meets_profiles(
      write_changed(bundle, "\"subject\": {", "\"focus_removed\": {", "anonymous.json"));
  EXPECT_EQ(no_subject.exit_code, 1) << no_subject.output;
  EXPECT_NE(no_subject.output.find("Observation.subject Missing required property"),
            std::string::npos)
      << no_subject.output;

  // The validator is not a rubber stamp: a status FHIR does not know fails.
  write_changed(bundle, "\"status\": \"final\"", "\"status\": \"done\"", "broken.json");
  CommandRun invalid = validate("broken.json");
  EXPECT_EQ(invalid.exit_code, 1) << invalid.output;
  EXPECT_NE(invalid.output.find("Observation.status"), std::string::npos) << invalid.output;
}

TEST_F(FhirExportTest, ExportingTwiceGivesTheSameBundleSoAReimportCreatesNothingNew) {
  ASSERT_EQ(export_fhir({}, "first.json").exit_code, 0);
  ASSERT_EQ(export_fhir({}, "second.json").exit_code, 0);
  EXPECT_EQ(read_file(dir_.path() / "first.json"), read_file(dir_.path() / "second.json"));
}

TEST_F(FhirExportTest, ARecipientGetsOnlyReadingsTakenUnderItsConsent) {
  CommandRun clinic = export_fhir({"--recipient", "clinic-a"});
  ASSERT_EQ(clinic.exit_code, 0) << clinic.output;
  std::string bundle = read_file(dir_.path() / "bundle.json");
  EXPECT_EQ(count_occurrences(bundle, "\"resourceType\": \"Observation\""), 2u);  // seqs 11 and 12
  EXPECT_NE(bundle.find(device_.id().hex() + "/11\""), std::string::npos);
  EXPECT_NE(bundle.find(device_.id().hex() + "/12\""), std::string::npos);
  EXPECT_EQ(bundle.find(device_.id().hex() + "/14\""), std::string::npos);  // after revocation
  EXPECT_NE(clinic.output.find("left out: no consent for clinic-a"), std::string::npos);
  EXPECT_EQ(validate("bundle.json").exit_code, 0);

  CommandRun stranger = export_fhir({"--recipient", "insurer-b"});
  ASSERT_EQ(stranger.exit_code, 0) << stranger.output;
  EXPECT_EQ(count_occurrences(read_file(dir_.path() / "bundle.json"),
                              "\"resourceType\": \"Observation\""),
            0u);
}

TEST_F(FhirExportTest, TimeWindowAndSingleReadingSelectWhatTheyName) {
  // seqs 5..6 by device time, given as RFC 3339.
  CommandRun window =
      export_fhir({"--from", "2025-11-22T08:26:45Z", "--to", "2025-11-22T08:26:46.000Z"});
  ASSERT_EQ(window.exit_code, 0) << window.output;
  std::string bundle = read_file(dir_.path() / "bundle.json");
  EXPECT_EQ(count_occurrences(bundle, "\"resourceType\": \"Observation\""), 2u);
  EXPECT_NE(bundle.find("\"8310-5\""), std::string::npos);
  EXPECT_NE(bundle.find("\"9279-1\""), std::string::npos);

  // Half a blood-pressure pair brings its other half: one panel, both values.
  CommandRun diastolic = export_fhir({"--seq", "4"});
  ASSERT_EQ(diastolic.exit_code, 0) << diastolic.output;
  bundle = read_file(dir_.path() / "bundle.json");
  EXPECT_EQ(count_occurrences(bundle, "\"resourceType\": \"Observation\""), 1u);
  EXPECT_NE(bundle.find("\"value\": 121"), std::string::npos);
  EXPECT_NE(bundle.find("\"value\": 79"), std::string::npos);
  EXPECT_EQ(bundle.find("dataAbsentReason"), std::string::npos);

  CommandRun one = export_fhir({"--seq", "9"});
  ASSERT_EQ(one.exit_code, 0) << one.output;
  bundle = read_file(dir_.path() / "bundle.json");
  EXPECT_EQ(count_occurrences(bundle, "\"resourceType\": \"Observation\""), 1u);
  EXPECT_NE(bundle.find("valueSampledData"), std::string::npos);
  EXPECT_EQ(validate("bundle.json").exit_code, 0);
}

TEST_F(FhirExportTest, EveryExportIsLoggedAndTheNextBatchAnchorsIt) {
  ASSERT_EQ(export_fhir({"--recipient", "clinic-a"}).exit_code, 0);
  ASSERT_EQ(export_fhir({"--seq", "2"}).exit_code, 0);
  CommandRun listed = vitalsign({"access", "list", "--store", store_dir(), "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(count_occurrences(listed.output, "\"purpose\":\"fhir export\""), 2u) << listed.output;
  EXPECT_EQ(count_occurrences(listed.output, "\"anchored\":false"), 2u) << listed.output;
  EXPECT_NE(listed.output.find("\"by\":\"auditor-1\",\"recipient\":\"clinic-a\""),
            std::string::npos)
      << listed.output;
  EXPECT_NE(listed.output.find("\"readings\":2"), std::string::npos);

  {
    auto store = open_store();
    // The unanchored block and both access records go in the next batch.
    EXPECT_EQ(anchor(*store, 100), 3u);
  }
  listed = vitalsign({"access", "list", "--store", store_dir()});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(count_occurrences(listed.output, "local ledger entry 1"), 2u) << listed.output;
  EXPECT_EQ(listed.output.find("queued"), std::string::npos) << listed.output;
  // The newly anchored reading now goes out too.
  CommandRun exported = export_fhir({});
  EXPECT_NE(exported.output.find("13 readings"), std::string::npos) << exported.output;
}

TEST_F(FhirExportTest, BadArgumentsAndADamagedStoreGetClearErrors) {
  CommandRun bad_time = export_fhir({"--from", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_NE(bad_time.output.find("--from 'yesterday' is not a time"), std::string::npos);
  CommandRun backwards = export_fhir({"--from", "2000", "--to", "1000"});
  EXPECT_EQ(backwards.exit_code, 2);
  CommandRun bad_recipient = export_fhir({"--recipient", "a\nb"});
  EXPECT_EQ(bad_recipient.exit_code, 3) << bad_recipient.output;
  EXPECT_NE(bad_recipient.output.find("recipient"), std::string::npos);
  CommandRun unknown =
      vitalsign({"fhir", "export", "--store", store_dir(), "--device", std::string(32, 'a')});
  EXPECT_EQ(unknown.exit_code, 4);
  EXPECT_NE(unknown.output.find("not enrolled"), std::string::npos);
  CommandRun no_store = vitalsign({"fhir", "export", "--store", (dir_.path() / "none").string(),
                                   "--device", device_.id().hex()});
  EXPECT_EQ(no_store.exit_code, 4);

  {  // Block 1's stored bytes replaced by block 0's: its receipt no longer matches.
    auto store = open_store();
    auto block0 = store->get(gateway::kBlocksTable, gateway::height_key(device_.id(), 0)).value();
    platform::WriteBatch batch;
    batch.put(gateway::kBlocksTable, gateway::height_key(device_.id(), 1), *block0);
    ASSERT_TRUE(store->commit(batch).ok());
  }
  CommandRun damaged = export_fhir({});
  EXPECT_EQ(damaged.exit_code, 1) << damaged.output;
  EXPECT_NE(damaged.output.find("block 1"), std::string::npos) << damaged.output;
  EXPECT_NE(damaged.output.find("says it is of another height"), std::string::npos);
}

}  // namespace
}  // namespace vs
