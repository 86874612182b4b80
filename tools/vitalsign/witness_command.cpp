// `vitalsign witness keygen|request|add-checkpoint`: a transparency-log
// witness for the gateway's local ledger (c2sp.org/tlog-witness and
// tlog-cosignature), and the log's side of asking one.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "command.h"
#include "gateway_files.h"
#include "vs/chain/witness.h"
#include "vs/gateway/file_witness.h"
#include "vs/gateway/local_ledger.h"
#include "vs/platform/clock.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_random.h"
#include "vs/platform/openssl_sha256.h"

namespace vs::tools {
namespace {

constexpr const char* kWitnessHelp =
    "usage: vitalsign witness keygen --name NAME --key FILE\n"
    "       vitalsign witness request --store DIR --checkpoint FILE --old N\n"
    "       vitalsign witness add-checkpoint --key FILE --log-key VKEY [--log-key ...]\n"
    "                                        --state DIR [--request FILE]\n\n"
    "A witness keeps the latest checkpoint it cosigned for each log it follows and\n"
    "cosigns a newer one only when a consistency proof shows it extends that one, so\n"
    "a gateway cannot show one history to some auditors and another to others\n"
    "(c2sp.org/tlog-witness, c2sp.org/tlog-cosignature; Ed25519 cosignature/v1).\n\n"
    "keygen          makes a witness key named NAME (e.g. witness.example/w1): FILE\n"
    "                (signer key, 0600) and FILE with the extension .vkey (its vkey,\n"
    "                type 0x04, what verifiers are given: verify --witness-key).\n"
    "request         on the gateway: the add-checkpoint request body for FILE (the\n"
    "                log's checkpoint) from size N, which the witness cosigned last\n"
    "                (0 the first time), with the consistency proof from DIR's log.\n"
    "add-checkpoint  on the witness: reads a request (stdin or --request), checks it\n"
    "                against the log keys it follows and its state, keeps the new\n"
    "                checkpoint, prints the cosignature line. Append that line to the\n"
    "                checkpoint (cat checkpoint line > cosigned) and export proofs up to\n"
    "                it. Exit 0 cosigned; 1 refused, naming the tlog-witness status\n"
    "                (403 not signed by the log, 404 a log it does not follow, 400 old\n"
    "                size above the new, 409 old size is not the latest cosigned, whose\n"
    "                size goes to stdout, 422 the proof fails or a split view); 3 not a\n"
    "                request; 4 the witness's own files.\n";

int usage_error(const char* message) {
  std::fprintf(stderr, "vitalsign witness: %s (see vitalsign witness --help)\n", message);
  return kExitUsage;
}

const char* status_name(int status) {
  switch (status) {
    case 400:
      return "400 Bad Request";
    case 403:
      return "403 Forbidden";
    case 404:
      return "404 Not Found";
    case 409:
      return "409 Conflict";
    case 422:
      return "422 Unprocessable Entity";
    default:
      return "refused";
  }
}

struct WitnessArgs {
  std::string name, key, store, checkpoint, state, request;
  std::vector<std::string> log_keys;
  std::optional<std::uint64_t> old_size;
};

int keygen(const WitnessArgs& args) {
  if (args.name.empty() || args.key.empty()) return usage_error("keygen needs --name and --key");
  platform::OpensslSha256 sha;
  platform::OpensslEd25519 ed25519;
  platform::OpensslRandom random;
  std::error_code error;
  if (std::filesystem::exists(args.key, error))
    return complain("witness keygen",
                    Error(ErrorCode::kConflict, "a key file is there already").about(args.key));
  Bytes seed(32);
  random.fill(seed);
  auto key =
      chain::NoteSignerKey::make(sha, ed25519, args.name, chain::NoteKeyType::kCosignature, seed);
  if (!key) return complain("witness keygen", key.error());
  std::filesystem::path vkey = std::filesystem::path(args.key).replace_extension(".vkey");
  Status written = platform::write_key_text_file(args.key, key->text() + "\n", true);
  if (written) written = platform::write_key_text_file(vkey, key->verifier.text() + "\n", false);
  if (!written) return complain("witness keygen", written.error());
  std::printf("%s\n", key->verifier.text().c_str());
  return kExitOk;
}

int request(const WitnessArgs& args) {
  if (args.store.empty() || args.checkpoint.empty() || !args.old_size)
    return usage_error("request needs --store, --checkpoint and --old");
  auto text = read_text_file(args.checkpoint, chain::SignedNote::kMaxBytes);
  if (!text) return complain("witness request", text.error());
  auto body = chain::LogCheckpoint::parse_unverified(*text);
  if (!body) return complain("witness request", std::move(body).error().about(args.checkpoint));
  if (*args.old_size > body->size) return usage_error("--old is above the checkpoint's size");
  auto store = open_gateway_store(args.store, StoreAccess::kRead);
  if (!store) return complain("witness request", store.error());
  platform::OpensslSha256 sha;
  chain::Witness::Request out;
  out.old_size = *args.old_size;
  out.checkpoint = *text;
  if (out.old_size > 0 && out.old_size < body->size) {
    auto proof = gateway::LocalLedger::consistency_proof(**store, sha, out.old_size, body->size);
    if (!proof) return complain("witness request", proof.error());
    out.proof = std::move(proof).value();
  }
  std::string serialized = out.serialize();
  std::fwrite(serialized.data(), 1, serialized.size(), stdout);
  return kExitOk;
}

int add_checkpoint(const WitnessArgs& args) {
  if (args.key.empty() || args.log_keys.empty() || args.state.empty())
    return usage_error("add-checkpoint needs --key, --log-key and --state");
  platform::OpensslSha256 sha;
  platform::OpensslEd25519 ed25519;
  auto key_text = platform::read_secret_text_file(args.key);
  if (!key_text) return complain("witness add-checkpoint", key_text.error());
  auto key = chain::NoteSignerKey::parse(sha, ed25519, *key_text);
  if (!key) return complain("witness add-checkpoint", std::move(key).error().about(args.key));
  if (key->type != chain::NoteKeyType::kCosignature)
    return complain("witness add-checkpoint",
                    Error(ErrorCode::kInvalidArgument,
                          "not a witness key (make one with vitalsign witness keygen)")
                        .about(args.key));
  std::vector<chain::NoteVerifierKey> logs;
  for (const std::string& log_key : args.log_keys) {
    auto vkey = read_note_vkey(log_key, sha);
    if (!vkey) return complain("witness add-checkpoint", vkey.error());
    logs.push_back(std::move(vkey).value());
  }
  std::string body;
  if (args.request.empty()) {
    body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto text = read_text_file(args.request, chain::SignedNote::kMaxBytes + 4096);
    if (!text) return complain("witness add-checkpoint", text.error());
    body = std::move(text).value();
  }
  gateway::FileWitness witness(args.state, *key, std::move(logs), sha, ed25519);
  auto answer = witness.add_checkpoint(body, platform::SystemClock().wall_ms() / 1000);
  if (!answer) return complain("witness add-checkpoint", answer.error());
  if (answer->refused) {
    std::fprintf(stderr, "vitalsign witness add-checkpoint: refused (%s): %s\n",
                 status_name(answer->refused->http_status), answer->refused->reason.c_str());
    if (answer->refused->http_status == 409)
      std::printf("%llu\n", static_cast<unsigned long long>(answer->refused->latest_size));
    return kExitFailed;
  }
  std::fwrite(answer->cosignature_lines.data(), 1, answer->cosignature_lines.size(), stdout);
  return kExitOk;
}

}  // namespace

int run_witness(std::span<const std::string_view> args) {
  if (args.empty() || args[0] == "--help") {
    std::printf("%s", kWitnessHelp);
    return args.empty() ? kExitUsage : kExitOk;
  }
  WitnessArgs parsed;
  for (std::size_t i = 1; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", kWitnessHelp);
      return kExitOk;
    } else if (args[i] == "--name" && has_value) {
      parsed.name = args[++i];
    } else if (args[i] == "--key" && has_value) {
      parsed.key = args[++i];
    } else if (args[i] == "--store" && has_value) {
      parsed.store = args[++i];
    } else if (args[i] == "--checkpoint" && has_value) {
      parsed.checkpoint = args[++i];
    } else if (args[i] == "--state" && has_value) {
      parsed.state = args[++i];
    } else if (args[i] == "--request" && has_value) {
      parsed.request = args[++i];
    } else if (args[i] == "--log-key" && has_value) {
      parsed.log_keys.emplace_back(args[++i]);
    } else if (args[i] == "--old" && has_value) {
      parsed.old_size = parse_decimal(args[++i], 19);
      if (!parsed.old_size) return usage_error("--old takes a tree size");
    } else {
      return usage_error("unexpected argument");
    }
  }
  if (args[0] == "keygen") return keygen(parsed);
  if (args[0] == "request") return request(parsed);
  if (args[0] == "add-checkpoint") return add_checkpoint(parsed);
  return usage_error("unknown action (keygen, request, add-checkpoint)");
}

}  // namespace vs::tools
