// proof export: one reading's proof bundle from a gateway's store.
// verify: check a bundle offline, link by link (and on the chain with --ledger).
#include <cstdio>
#include <fstream>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "vs/chain/entry_leaf.h"
#include "vs/chain/log_checkpoint.h"
#include "vs/chain/merkle.h"
#include "vs/chain/proof_verifier.h"
#include "vs/gateway/access_log.h"
#include "vs/gateway/evm_ledger.h"
#include "vs/gateway/proof_export.h"
#include "vs/platform/clock.h"
#include "vs/platform/curl_evm_rpc.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/proof_bundle_json.h"
#include "vs/proto/wire_codec.h"

namespace vs::tools {
namespace {

struct ExportArgs {
  std::string store, device, gateway_key, checkpoint, log_key, out;
  std::optional<std::uint64_t> seq;
};

Result<gateway::ProofExport::Exported> export_proof(const ExportArgs& args,
                                                    const gateway::GatewayState& state,
                                                    const platform::Sha256& sha,
                                                    const platform::VerifierFactory& verifiers,
                                                    const platform::Ed25519& ed25519) {
  gateway::ProofExport::Request request;
  VS_TRY_ASSIGN(request.device, chain::DeviceId::from_hex(args.device));
  request.seq = *args.seq;
  VS_TRY_ASSIGN(request.gateway_keys, read_gateway_keys(args.gateway_key, sha, verifiers));
  if (!args.checkpoint.empty()) {
    auto text = read_text_file(args.checkpoint, 64 * 1024);
    if (!text) return std::move(text).error();
    request.checkpoint = std::move(text).value();
  }
  if (!args.log_key.empty()) {
    VS_TRY_ASSIGN(request.log_key, read_note_vkey(args.log_key, sha));
  }
  auto exported = gateway::ProofExport(state, sha, verifiers, ed25519).build(request);
  if (!exported && !args.checkpoint.empty() &&
      exported.error().code() == ErrorCode::kInvalidArgument)
    return std::move(exported).error().about(args.checkpoint);
  return exported;
}

constexpr const char* kProofHelp =
    "usage: vitalsign proof export --store DIR --device ID --seq N --gateway-key KEYS\n"
    "                              [--checkpoint FILE --log-key VKEY] [--out FILE]\n\n"
    "Writes the proof of one reading as a JSON file an auditor can check offline with\n"
    "`vitalsign verify`: the entry and its blinding, its path to the block's entries\n"
    "root, the signed block header and device key, the gateway's receipt with the\n"
    "block's path to the batch root, and the ledger reference; for the local ledger\n"
    "also the log entry and, with --checkpoint (the gateway's ledger.checkpoint_file),\n"
    "its path into that checkpoint, which is checked with the log's key (--log-key:\n"
    "the gateway's log.vkey file, or the vkey text). KEYS: the gateway's public key\n"
    "(PEM) or its trusted gateway keys file; the proof names the key that signed the\n"
    "receipt. DIR is the gateway's store; the export is recorded in its access log.\n";

// The export's arguments, or the exit code when there is nothing to export.
std::optional<int> parse_export_args(std::span<const std::string_view> args, ExportArgs& parsed) {
  if (args.empty() || args[0] == "--help") {
    std::printf("%s", kProofHelp);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] != "export") {
    std::fprintf(stderr, "vitalsign proof: unknown action '%.*s' (export)\n",
                 static_cast<int>(args[0].size()), args[0].data());
    return kExitUsage;
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", kProofHelp);
      return kExitOk;
    } else if (args[i] == "--store" && has_value) {
      parsed.store = args[++i];
    } else if (args[i] == "--device" && has_value) {
      parsed.device = args[++i];
    } else if (args[i] == "--seq" && has_value) {
      std::string text(args[++i]);
      parsed.seq = parse_decimal(text, 19);
      if (!parsed.seq) {
        std::fprintf(stderr, "vitalsign proof: --seq '%s' is not a number\n", text.c_str());
        return kExitUsage;
      }
    } else if (args[i] == "--gateway-key" && has_value) {
      parsed.gateway_key = args[++i];
    } else if (args[i] == "--checkpoint" && has_value) {
      parsed.checkpoint = args[++i];
    } else if (args[i] == "--log-key" && has_value) {
      parsed.log_key = args[++i];
    } else if (args[i] == "--out" && has_value) {
      parsed.out = args[++i];
    } else {
      std::fprintf(stderr, "vitalsign proof: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  if (parsed.store.empty() || parsed.device.empty() || !parsed.seq || parsed.gateway_key.empty()) {
    std::fprintf(stderr,
                 "vitalsign proof export: --store, --device, --seq and --gateway-key are "
                 "required (see --help)\n");
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace

int run_proof(std::span<const std::string_view> args) {
  ExportArgs parsed;
  if (auto done = parse_export_args(args, parsed)) return *done;
  // Read-write: the export is recorded in the gateway's access log.
  auto store = open_gateway_store(parsed.store, StoreAccess::kWrite);
  if (!store) return complain("proof export", store.error());
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  platform::OpensslEd25519 ed25519;
  auto exported = export_proof(parsed, **store, sha, verifiers, ed25519);
  if (!exported) return complain("proof export", exported.error());
  const proto::ProofBundle* bundle = &exported->bundle;
  std::string text = proto::ProofBundleJson::encode(*bundle);
  gateway::AccessRecord access;
  access.by = current_user();
  access.device_hex = parsed.device;
  access.seq = parsed.seq;
  access.readings = 1;
  access.purpose = "proof export";
  auto logged = gateway::AccessLog(**store, sha).record_export(access, text);
  if (!logged) return complain("proof export", std::move(logged).error().about("access log"));
  if (parsed.out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  std::ofstream out(parsed.out, std::ios::trunc);
  out << text;
  if (!out.flush())
    return complain("proof export", Error(ErrorCode::kIo, "cannot write").about(parsed.out));
  std::fprintf(stderr, "proof of device %s seq %llu written to %s\n", parsed.device.c_str(),
               static_cast<unsigned long long>(*parsed.seq), parsed.out.c_str());
  return kExitOk;
}

namespace {

constexpr const char* kVerifyHelp =
    "usage: vitalsign verify PROOF.json --gateway-key KEYS [--log-key VKEY]\n"
    "                        [--witness-key VKEY ... [--witness-threshold N]]\n"
    "                        [--ledger URL] [--confirmations N] [--json]\n\n"
    "Checks a proof bundle offline, link by link, every byte of the file by the\n"
    "link it belongs to, and prints each link and its result: block header, entry,\n"
    "entry path, receipt, batch path, ledger, and about (the file's words for people\n"
    "must say what was proven). The receipt must be signed by the gateway key you\n"
    "trust (--gateway-key: its public key, PEM, or a trusted gateway keys file, where\n"
    "the receipt must be issued inside the window of the key that signed it), a\n"
    "local-ledger checkpoint by the log key you trust\n"
    "(--log-key: a vkey, C2SP signed-note, or a file holding one); a proof never\n"
    "vouches for itself, so without them verify says it cannot decide and exits 1.\n"
    "With --witness-key (a witness's vkey, type 0x04; repeat for several), the\n"
    "checkpoint must carry valid cosignatures of at least N of them (1 by default):\n"
    "a history the gateway showed you alone is not one they saw.\n"
    "The file must be exactly as exported (a reformatted file is refused). With\n"
    "--ledger URL an evm anchor is confirmed on the chain: the transaction exists,\n"
    "succeeded, holds the root and has N confirmations (1).\n"
    "Exit 0 every link holds, 1 a link failed or no key to decide, 3 not a proof file,\n"
    "4 ledger unreachable.\n";

struct VerifyArgs {
  std::string path, gateway_key_file, log_key, ledger_url;
  std::vector<std::string> witness_keys;
  std::optional<std::uint64_t> witness_threshold;
  std::uint32_t confirmations = 1;
  bool json = false;
};

// The arguments, or the exit code when there is nothing to verify.
std::optional<int> parse_verify_args(std::span<const std::string_view> args, VerifyArgs& out) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", kVerifyHelp);
      return kExitOk;
    } else if (args[i] == "--gateway-key" && has_value) {
      out.gateway_key_file = args[++i];
    } else if (args[i] == "--log-key" && has_value) {
      out.log_key = args[++i];
    } else if (args[i] == "--witness-key" && has_value) {
      out.witness_keys.emplace_back(args[++i]);
    } else if (args[i] == "--witness-threshold" && has_value) {
      out.witness_threshold = parse_decimal(args[++i], 3);
      if (!out.witness_threshold) {
        std::fprintf(stderr, "vitalsign verify: --witness-threshold takes a count\n");
        return kExitUsage;
      }
    } else if (args[i] == "--ledger" && has_value) {
      out.ledger_url = args[++i];
    } else if (args[i] == "--confirmations" && has_value) {
      std::string text(args[++i]);
      auto number = parse_decimal(text, 6);
      if (!number) {
        std::fprintf(stderr, "vitalsign verify: --confirmations '%s' is not a number\n",
                     text.c_str());
        return kExitUsage;
      }
      out.confirmations = static_cast<std::uint32_t>(*number);
    } else if (args[i] == "--json") {
      out.json = true;
    } else if (out.path.empty() && !args[i].starts_with("--")) {
      out.path = args[i];
    } else {
      std::fprintf(stderr, "vitalsign verify: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  if (out.witness_threshold && *out.witness_threshold > out.witness_keys.size()) {
    std::fprintf(stderr, "vitalsign verify: --witness-threshold is above the witness keys given\n");
    return kExitUsage;
  }
  if (!out.path.empty()) return std::nullopt;
  std::fprintf(stderr, "%s", kVerifyHelp);
  return kExitUsage;
}

// With --ledger: the anchor confirmed on the chain itself, as one more link.
// The exit code: unchanged, failed, or the node could not be reached.
int confirm_on_ledger(const VerifyArgs& args, chain::ProofReport& report, int exit_code) {
  constexpr const char* kLink = "ledger (on chain)";
  if (report.receipt.ledger.kind != proto::LedgerKind::kEvm) {
    report.links.push_back({chain::ProofLinkKind::kLedger, kLink, true,
                            "a local ledger: checked offline against its signed checkpoint"});
    return exit_code;
  }
  auto rpc = platform::CurlEvmRpc::open(args.ledger_url, std::chrono::seconds(10));
  Status on_chain =
      rpc ? gateway::EvmLedger::check(**rpc, report.receipt.ledger,
                                      to_array<32>(report.receipt.batch_root, "").value(),
                                      report.receipt.batch_id, args.confirmations)
          : Status(std::move(rpc).error());
  report.links.push_back({chain::ProofLinkKind::kLedger, kLink, on_chain.ok(),
                          on_chain ? "the transaction holds the batch root with at least " +
                                         std::to_string(args.confirmations) + " confirmations"
                                   : on_chain.error().message()});
  if (on_chain) return exit_code;
  ErrorCode code = on_chain.error().code();
  return code == ErrorCode::kUnavailable || code == ErrorCode::kTimeout ? kExitEnvironment
                                                                        : kExitFailed;
}

void print_report(const VerifyArgs& args, const chain::ProofReport& report, bool verified) {
  if (args.json) {
    std::string out = "{\"ok\":" + std::string(verified ? "true" : "false") + ",\"links\":[";
    for (std::size_t i = 0; i < report.links.size(); ++i) {
      const auto& link = report.links[i];
      out += (i ? "," : "") + std::string("{\"link\":") + json_string(link.name) +
             ",\"ok\":" + (link.ok ? "true" : "false") + ",\"detail\":" + json_string(link.detail) +
             "}";
    }
    std::printf("%s]}\n", out.c_str());
    return;
  }
  std::printf("proof %s\n", args.path.c_str());
  for (const auto& link : report.links)
    std::printf("  %-4s %-18s %s\n", link.ok ? "ok" : "FAIL", link.name.c_str(),
                link.detail.c_str());
  for (std::size_t i = report.links.size(); i < chain::kProofLinkCount; ++i)
    std::printf("  %-4s %-18s %s\n", "-", chain::to_string(static_cast<chain::ProofLinkKind>(i)),
                "not checked");
  std::printf("%s\n", verified ? "verified" : "NOT verified");
}

}  // namespace

int run_verify(std::span<const std::string_view> args) {
  VerifyArgs parsed;
  if (auto done = parse_verify_args(args, parsed)) return *done;
  auto text = read_text_file(parsed.path, 1 << 20);
  if (!text) return complain("verify", text.error());
  auto bundle = proto::ProofBundleJson::decode(*text);
  if (!bundle) return complain("verify", std::move(bundle).error().about(parsed.path));
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  chain::GatewayKeySet trusted;
  if (!parsed.gateway_key_file.empty()) {
    auto keys = read_gateway_keys(parsed.gateway_key_file, sha, verifiers);
    if (!keys) return complain("verify", keys.error());
    trusted = std::move(keys).value();
  }
  platform::OpensslEd25519 ed25519;
  std::optional<chain::NoteVerifierKey> log_key;
  if (!parsed.log_key.empty()) {
    auto key = read_note_vkey(parsed.log_key, sha);
    if (!key) return complain("verify", key.error());
    log_key = std::move(key).value();
  }
  std::vector<chain::NoteVerifierKey> witnesses;
  for (const std::string& witness : parsed.witness_keys) {
    auto key = read_note_vkey(witness, sha);
    if (!key) return complain("verify", key.error());
    witnesses.push_back(std::move(key).value());
  }
  chain::ProofTrust trust;
  trust.gateway_keys = &trusted;
  trust.log_key = log_key ? &*log_key : nullptr;
  trust.witness_keys = witnesses;
  trust.witness_threshold =
      static_cast<std::size_t>(parsed.witness_threshold.value_or(witnesses.empty() ? 0 : 1));
  auto report = chain::ProofVerifier(sha, verifiers, ed25519).verify(*bundle, trust);
  int exit_code = report.ok() ? kExitOk : kExitFailed;
  if (report.ok() && !parsed.ledger_url.empty())
    exit_code = confirm_on_ledger(parsed, report, exit_code);
  print_report(parsed, report, exit_code == kExitOk);
  return exit_code;
}

}  // namespace vs::tools
