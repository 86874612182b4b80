#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "vs/agent/event_inbox_sensor.h"
#include "vs/board/board_key_store.h"
#include "vs/chain/device_id.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/pkcs11_key_store.h"

namespace vs::tools {
namespace {

// Where a new key is made: a key directory (files), or a PKCS#11 token.
struct KeyArgs {
  std::string directory = ".";
  std::string name = "device";
  platform::Pkcs11Options token;
  std::string pin_file;
  std::string inbox;  // rotate-key only
  bool json = false;
};

// Makes the key pair: in DIR as files, or on the token (its public half
// written to DIR, where enrolment looks for it).
Result<std::unique_ptr<platform::Signer>> make_key(KeyArgs& args) {
  platform::FileKeyStore files(args.directory);
  if (args.token.module.empty()) return files.create(args.name);
  if (args.token.token_label.empty() || args.pin_file.empty())
    return Error(ErrorCode::kInvalidArgument, "--pkcs11-module needs --token and --pin-file");
  VS_TRY_ASSIGN(args.token.pin, board::read_pin_file(args.pin_file));
  VS_TRY_ASSIGN(auto store, platform::Pkcs11KeyStore::open(args.token));
  VS_TRY_ASSIGN(auto signer, store->create(args.name));
  std::filesystem::path pub = files.public_key_path(args.name);
  std::filesystem::create_directories(pub.parent_path());
  std::ofstream out(pub, std::ios::trunc);
  out << to_pem("PUBLIC KEY", signer->public_key());
  if (!out.flush()) return Error(ErrorCode::kIo, "cannot write").about(pub.string());
  return signer;
}

// The arguments keygen and rotate-key share, or the exit code.
std::optional<int> parse_key_args(const char* verb, const char* help,
                                  std::span<const std::string_view> args, KeyArgs& out) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help") {
      std::printf("%s", help);
      return kExitOk;
    }
    bool has_value = i + 1 < args.size();
    if (args[i] == "--dir" && has_value) {
      out.directory = args[++i];
    } else if (args[i] == "--name" && has_value) {
      out.name = args[++i];
    } else if (args[i] == "--pkcs11-module" && has_value) {
      out.token.module = std::string(args[++i]);
    } else if (args[i] == "--token" && has_value) {
      out.token.token_label = args[++i];
    } else if (args[i] == "--pin-file" && has_value) {
      out.pin_file = args[++i];
    } else if (args[i] == "--json") {
      out.json = true;
    } else if (args[i] == "--inbox" && has_value && std::string_view(verb) == "rotate-key") {
      out.inbox = args[++i];
    } else {
      std::fprintf(stderr, "vitalsign %s: unexpected argument '%.*s' (see --help)\n", verb,
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  return std::nullopt;
}

std::string where_kept(const KeyArgs& args) {
  return args.token.module.empty()
             ? platform::FileKeyStore(args.directory).private_key_path(args.name).string() +
                   " (0600)"
             : "on PKCS#11 token '" + args.token.token_label + "' (label " + args.name + ")";
}

}  // namespace

int run_keygen(std::span<const std::string_view> args) {
  KeyArgs parsed;
  if (auto done = parse_key_args(
          "keygen",
          "usage: vitalsign keygen [--dir DIR] [--name NAME] [--json]\n"
          "       vitalsign keygen --pkcs11-module LIB --token LABEL --pin-file FILE\n"
          "                        [--name NAME] [--json]\n\n"
          "Creates an ECDSA P-256 device key in DIR (default .): NAME.key.pem (mode 0600)\n"
          "and NAME.pub.pem, refusing to overwrite, and prints the device id (the first\n"
          "16 bytes of SHA-256 over the public key) that topics and blocks carry.\n"
          "With --pkcs11-module the key pair is generated on the PKCS#11 token LABEL\n"
          "(a secure element, an HSM, SoftHSM2), never leaves it, and NAME.pub.pem is\n"
          "written to DIR for enrolment; a board uses it with key_store = \"pkcs11\".\n",
          args, parsed))
    return *done;
  auto signer = make_key(parsed);
  if (!signer) {
    std::fprintf(stderr, "vitalsign keygen: %s\n", signer.error().message().c_str());
    return signer.error().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitEnvironment;
  }
  platform::MbedtlsSha256 sha;
  std::string id = chain::DeviceId::from_public_key(sha, (*signer)->public_key()).hex();
  std::string pub = platform::FileKeyStore(parsed.directory).public_key_path(parsed.name).string();
  if (parsed.json) {
    std::printf("{\"device_id\":%s,\"private_key\":%s}\n", json_string(id).c_str(),
                json_string(where_kept(parsed)).c_str());
  } else {
    std::printf("device id   %s\nprivate key %s\npublic key  %s\n", id.c_str(),
                where_kept(parsed).c_str(), pub.c_str());
  }
  return kExitOk;
}

int run_rotate_key(std::span<const std::string_view> args) {
  KeyArgs parsed;
  parsed.name = "";
  if (auto done = parse_key_args(
          "rotate-key",
          "usage: vitalsign rotate-key --name NEW --inbox DIR [--dir DIR]\n"
          "       vitalsign rotate-key --name NEW --inbox DIR --pkcs11-module LIB --token LABEL\n"
          "                            --pin-file FILE [--dir DIR]\n\n"
          "Makes the device's next key NEW (as keygen does: files in DIR, or on the token)\n"
          "and hands the rotation to the running agent through its inbox (events.inbox_dir).\n"
          "The agent seals what it holds into a block signed by its current key that ends\n"
          "with the key rotation event (the new public key, the next key index), and signs\n"
          "with NEW from the next block on, across restarts. The device id stays: it is the\n"
          "first key's. The gateway, chain verify, proofs and FHIR exports follow the\n"
          "rotation. The old key can be deleted once that block is anchored.\n",
          args, parsed))
    return *done;
  if (parsed.name.empty() || parsed.inbox.empty()) {
    std::fprintf(stderr, "vitalsign rotate-key: --name and --inbox are needed (see --help)\n");
    return kExitUsage;
  }
  proto::Event event;
  event.kind = proto::EventKind::kKeyRotation;
  event.text = parsed.name;
  // The request is checked before a key is made for it.
  if (auto line = agent::EventInboxSensor::parse(agent::EventInboxSensor::format(event)); !line)
    return complain("rotate-key", std::move(line).error().about("--name"));
  auto signer = make_key(parsed);
  if (!signer) return complain("rotate-key", signer.error());
  Status dropped = agent::EventInboxSensor::drop(parsed.inbox, event);
  if (!dropped) return complain("rotate-key", dropped.error());
  std::printf("new key     %s\nrotation    handed to the agent through %s\n",
              where_kept(parsed).c_str(), parsed.inbox.c_str());
  return kExitOk;
}

int run_csr(std::span<const std::string_view> args) {
  const char* help =
      "usage: vitalsign csr [--dir DIR] [--name NAME] [--org ORG] [--out FILE]\n\n"
      "Writes a PKCS#10 certificate signing request (PEM) for the device key NAME\n"
      "(default device) in DIR (default .), signed with that key. Its subject's CN is\n"
      "the device id, which is what `vitalsign enrol --cert` and the broker's ACL\n"
      "expect of the certificate the CA returns; --org adds O=ORG.\n";
  std::string directory = ".", name = "device", org, out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", help);
      return kExitOk;
    } else if (args[i] == "--dir" && has_value) {
      directory = args[++i];
    } else if (args[i] == "--name" && has_value) {
      name = args[++i];
    } else if (args[i] == "--org" && has_value) {
      org = args[++i];
    } else if (args[i] == "--out" && has_value) {
      out = args[++i];
    } else {
      std::fprintf(stderr, "vitalsign csr: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  if (org.find_first_of(",=+\"\\<>;") != std::string::npos) {
    std::fprintf(stderr, "vitalsign csr: --org '%s' holds a character X.509 names reserve\n",
                 org.c_str());
    return kExitUsage;
  }
  platform::FileKeyStore store(directory);
  auto signer = store.load(name);
  if (!signer) return complain("csr", signer.error());
  auto* key = dynamic_cast<platform::MbedtlsSigner*>(signer->get());
  if (key == nullptr)
    return complain("csr", Error(ErrorCode::kUnsupported, "this key store cannot make a CSR"));
  platform::MbedtlsSha256 sha;
  std::string id = chain::DeviceId::from_public_key(sha, key->public_key()).hex();
  auto request = key->certificate_request_pem((org.empty() ? "" : "O=" + org + ",") + "CN=" + id);
  if (!request) return complain("csr", request.error());
  if (out.empty()) {
    std::fwrite(request->data(), 1, request->size(), stdout);
    return kExitOk;
  }
  std::ofstream file(out, std::ios::trunc);
  file << *request;
  if (!file.flush()) return complain("csr", Error(ErrorCode::kIo, "cannot write").about(out));
  std::fprintf(stderr, "certificate signing request for device %s written to %s\n", id.c_str(),
               out.c_str());
  return kExitOk;
}

}  // namespace vs::tools
