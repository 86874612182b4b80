// fhir export: a device's verified readings as a FHIR R4 transaction Bundle.
// access list: the gateway's log of exports and their anchors.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "terminal_progress.h"
#include "vs/gateway/access_log.h"
#include "vs/gateway/fhir_bundle_json.h"
#include "vs/gateway/reading_export.h"
#include "vs/platform/clock.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::tools {
namespace {

struct FhirArgs {
  std::string store, device, out, by;
  gateway::ReadingFilter filter;
  bool json = false;
};

std::string optional_text(const std::optional<std::uint64_t>& value) {
  return value ? std::to_string(*value) : "null";
}

int export_bundle(const FhirArgs& args) {
  auto device = chain::DeviceId::from_hex(args.device);
  if (!device) return complain("fhir export", std::move(device).error().about("--device"));
  // Read-write: the export is recorded in the gateway's access log.
  auto store = open_gateway_store(args.store, StoreAccess::kWrite);
  if (!store) return complain("fhir export", store.error());
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory keys;
  TerminalProgress progress("reading and verifying blocks");
  auto selection =
      gateway::ReadingExport(**store, sha, keys)
          .select(*device, args.filter, [&](std::uint64_t blocks) { progress.update(blocks); });
  progress.finish();
  if (!selection) return complain("fhir export", selection.error());
  std::string bundle = gateway::FhirBundleJson::encode(selection->device, sha);

  gateway::AccessRecord access;
  access.by = args.by;
  access.recipient = args.filter.recipient.value_or("");
  access.device_hex = device->hex();
  access.from_ms = args.filter.from_ms;
  access.to_ms = args.filter.to_ms;
  access.seq = args.filter.seq;
  access.readings = selection->readings;
  access.purpose = "fhir export";
  auto logged = gateway::AccessLog(**store, sha).record_export(access, bundle);
  if (!logged) return complain("fhir export", std::move(logged).error().about("access log"));

  if (args.out.empty()) {
    std::fwrite(bundle.data(), 1, bundle.size(), stdout);
  } else {
    std::ofstream out(args.out, std::ios::trunc);
    out << bundle;
    if (!out.flush())
      return complain("fhir export", Error(ErrorCode::kIo, "cannot write").about(args.out));
  }
  std::size_t observations = gateway::FhirBundleJson::observation_count(selection->device);
  if (args.json) {
    std::fprintf(
        stderr,
        "{\"device\":%s,\"readings\":%llu,\"observations\":%zu,\"blocks_read\":%llu,"
        "\"unanchored\":%llu,\"without_consent\":%llu,\"access_record\":\"%s\"}\n",
        json_string(device->hex()).c_str(), static_cast<unsigned long long>(selection->readings),
        observations, static_cast<unsigned long long>(selection->blocks_read),
        static_cast<unsigned long long>(selection->unanchored),
        static_cast<unsigned long long>(selection->without_consent), to_hex(logged->hash).c_str());
  } else {
    std::fprintf(stderr,
                 "fhir export: %llu readings as %zu Observations from %llu verified blocks%s",
                 static_cast<unsigned long long>(selection->readings), observations,
                 static_cast<unsigned long long>(selection->blocks_read),
                 args.out.empty() ? "" : (" to " + args.out).c_str());
    if (selection->unanchored > 0)
      std::fprintf(stderr, "; %llu readings left out: their blocks are not anchored yet",
                   static_cast<unsigned long long>(selection->unanchored));
    if (selection->without_consent > 0)
      std::fprintf(stderr, "; %llu readings left out: no consent for %s",
                   static_cast<unsigned long long>(selection->without_consent),
                   args.filter.recipient->c_str());
    std::fprintf(stderr, "\naccess recorded (%s), anchored with the gateway's next batch\n",
                 to_hex(logged->hash).substr(0, 16).c_str());
  }
  return kExitOk;
}

}  // namespace

int run_fhir(std::span<const std::string_view> args) {
  const char* help =
      "usage: vitalsign fhir export --store DIR --device ID [--from T] [--to T] [--seq N]\n"
      "                             [--recipient R] [--by NAME] [--out FILE] [--json]\n\n"
      "Writes a device's verified readings as an HL7 FHIR R4 transaction Bundle: a\n"
      "Device, one vital-signs Observation per reading (LOINC codes, UCUM units; a\n"
      "systolic and diastolic pair as one blood-pressure panel; ECG and PPG as\n"
      "SampledData) and a Provenance per block with the device's signature and the\n"
      "anchor. Conditional creates keyed on device and seq make a re-import idempotent.\n"
      "Every stored block is verified again; only anchored blocks' readings go out.\n"
      "T is milliseconds since the epoch or UTC like 2026-11-22T10:00:00Z (device time,\n"
      "inclusive). With --recipient, only readings taken while the device's chain held\n"
      "a consent granting R access (not yet revoked). Each export is recorded in the\n"
      "gateway's access log (who, device, range, readings, the bundle's hash) and\n"
      "anchored with its next batch (see `vitalsign access`). DIR is the gateway's store.\n"
      "The bundle goes to FILE or stdout; a summary (JSON with --json) to stderr.\n";
  if (args.empty() || args[0] == "--help") {
    std::printf("%s", help);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] != "export") {
    std::fprintf(stderr, "vitalsign fhir: unknown action '%.*s' (export)\n",
                 static_cast<int>(args[0].size()), args[0].data());
    return kExitUsage;
  }
  FhirArgs parsed;
  parsed.by = current_user();
  for (std::size_t i = 1; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    std::string_view flag = args[i];
    if (flag == "--help") {
      std::printf("%s", help);
      return kExitOk;
    } else if (flag == "--json") {
      parsed.json = true;
    } else if (!has_value) {
      std::fprintf(stderr, "vitalsign fhir export: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(flag.size()), flag.data());
      return kExitUsage;
    } else if (flag == "--store") {
      parsed.store = args[++i];
    } else if (flag == "--device") {
      parsed.device = args[++i];
    } else if (flag == "--out") {
      parsed.out = args[++i];
    } else if (flag == "--by") {
      parsed.by = args[++i];
    } else if (flag == "--recipient") {
      parsed.filter.recipient = std::string(args[++i]);
    } else if (flag == "--from" || flag == "--to" || flag == "--seq") {
      std::string text(args[++i]);
      auto value = flag == "--seq" ? parse_decimal(text, 19) : parse_time_ms(text);
      if (!value) {
        std::fprintf(stderr, "vitalsign fhir export: %.*s '%s' is not %s\n",
                     static_cast<int>(flag.size()), flag.data(), text.c_str(),
                     flag == "--seq" ? "a number" : "a time (ms or 2026-11-22T10:00:00Z)");
        return kExitUsage;
      }
      (flag == "--from" ? parsed.filter.from_ms
       : flag == "--to" ? parsed.filter.to_ms
                        : parsed.filter.seq) = value;
    } else {
      std::fprintf(stderr, "vitalsign fhir export: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(flag.size()), flag.data());
      return kExitUsage;
    }
  }
  if (parsed.store.empty() || parsed.device.empty()) {
    std::fprintf(stderr, "vitalsign fhir export: --store and --device are required (see --help)\n");
    return kExitUsage;
  }
  if (parsed.filter.from_ms && parsed.filter.to_ms &&
      *parsed.filter.from_ms > *parsed.filter.to_ms) {
    std::fprintf(stderr, "vitalsign fhir export: --from is after --to\n");
    return kExitUsage;
  }
  return export_bundle(parsed);
}

int run_access(std::span<const std::string_view> args) {
  const char* help =
      "usage: vitalsign access list --store DIR [--json]\n\n"
      "Lists the gateway's access log: every export of readings (fhir export, proof\n"
      "export) with who ran it, for whom, which device and range, how many readings,\n"
      "the hash of what was handed out, and the batch and ledger that anchored the\n"
      "record (or 'queued' until the gateway's next batch).\n";
  if (args.empty() || args[0] == "--help") {
    std::printf("%s", help);
    return args.empty() ? kExitUsage : kExitOk;
  }
  bool json = false;
  std::string store_dir;
  if (args[0] != "list") {
    std::fprintf(stderr, "vitalsign access: unknown action '%.*s' (list)\n",
                 static_cast<int>(args[0].size()), args[0].data());
    return kExitUsage;
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help") {
      std::printf("%s", help);
      return kExitOk;
    } else if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--store" && i + 1 < args.size()) {
      store_dir = args[++i];
    } else {
      std::fprintf(stderr, "vitalsign access list: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  if (store_dir.empty()) {
    std::fprintf(stderr, "vitalsign access list: --store is required (see --help)\n");
    return kExitUsage;
  }
  auto store = open_gateway_store(store_dir, StoreAccess::kRead);
  if (!store) return complain("access list", store.error());
  platform::OpensslSha256 sha;
  auto entries = gateway::AccessLog(**store, sha).list();
  if (!entries) return complain("access list", entries.error());
  if (json) std::printf("[");
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const gateway::LoggedAccess& logged = (*entries)[i];
    const gateway::AccessRecord& r = logged.record;
    std::string anchor = "queued";
    if (logged.receipt) {
      const proto::LedgerRef& ledger = logged.receipt->ledger;
      anchor = "batch " + std::to_string(logged.receipt->batch_id) +
               (ledger.kind == proto::LedgerKind::kEvm
                    ? ", evm chain " + ledger.chain_id + " tx 0x" + to_hex(ledger.transaction_id)
                    : ", local ledger entry " + std::to_string(ledger.ledger_height));
    }
    if (json) {
      std::printf(
          "%s{\"time_ms\":%llu,\"by\":%s,\"recipient\":%s,\"device\":%s,\"from_ms\":%s,"
          "\"to_ms\":%s,\"seq\":%s,\"readings\":%llu,\"purpose\":%s,\"output_sha256\":%s,"
          "\"record_sha256\":\"%s\",\"anchored\":%s,\"anchor\":%s}",
          i ? "," : "", static_cast<unsigned long long>(r.time_ms), json_string(r.by).c_str(),
          r.recipient.empty() ? "null" : json_string(r.recipient).c_str(),
          json_string(r.device_hex).c_str(), optional_text(r.from_ms).c_str(),
          optional_text(r.to_ms).c_str(), optional_text(r.seq).c_str(),
          static_cast<unsigned long long>(r.readings), json_string(r.purpose).c_str(),
          json_string(r.output_hash).c_str(), to_hex(logged.hash).c_str(),
          logged.receipt ? "true" : "false", json_string(anchor).c_str());
    } else {
      std::printf("%s %s by %s for %s: device %s, %llu readings; %s\n", utc(r.time_ms).c_str(),
                  r.purpose.c_str(), r.by.c_str(), r.recipient.empty() ? "-" : r.recipient.c_str(),
                  r.device_hex.c_str(), static_cast<unsigned long long>(r.readings),
                  anchor.c_str());
    }
  }
  if (json) std::printf("]\n");
  if (!json && entries->empty()) std::printf("no exports recorded\n");
  return kExitOk;
}

}  // namespace vs::tools
