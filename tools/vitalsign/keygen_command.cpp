#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "vs/board/board_key_store.h"
#include "vs/chain/device_id.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/pkcs11_key_store.h"

namespace vs::tools {
namespace {

int keygen_on_token(platform::Pkcs11Options token, const std::string& pin_file,
                    const std::string& name, platform::FileKeyStore& files, bool json) {
  if (token.token_label.empty() || pin_file.empty()) {
    std::fprintf(stderr, "vitalsign keygen: --pkcs11-module needs --token and --pin-file\n");
    return kExitUsage;
  }
  auto pin = board::read_pin_file(pin_file);
  if (!pin) return complain("keygen", pin.error());
  token.pin = *pin;
  auto store = platform::Pkcs11KeyStore::open(token);
  if (!store) return complain("keygen", store.error());
  auto signer = (*store)->create(name);
  if (!signer) return complain("keygen", signer.error());
  // The public half goes where enrolment looks for it.
  std::string pem = to_pem("PUBLIC KEY", (*signer)->public_key());
  std::filesystem::create_directories(files.public_key_path(name).parent_path());
  std::ofstream out(files.public_key_path(name), std::ios::trunc);
  out << pem;
  if (!out.flush())
    return complain(
        "keygen",
        Error(ErrorCode::kIo, "cannot write").about(files.public_key_path(name).string()));
  platform::MbedtlsSha256 sha;
  std::string id = chain::DeviceId::from_public_key(sha, (*signer)->public_key()).hex();
  if (json) {
    std::printf("{\"device_id\":%s,\"token\":%s}\n", json_string(id).c_str(),
                json_string(token.token_label).c_str());
  } else {
    std::printf("device id   %s\nprivate key on PKCS#11 token '%s' (label %s)\npublic key  %s\n",
                id.c_str(), token.token_label.c_str(), name.c_str(),
                files.public_key_path(name).c_str());
  }
  return kExitOk;
}

}  // namespace

int run_keygen(std::span<const std::string_view> args) {
  std::string directory = ".";
  std::string name = "device";
  platform::Pkcs11Options token;
  std::string pin_file;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help") {
      std::printf(
          "usage: vitalsign keygen [--dir DIR] [--name NAME] [--json]\n"
          "       vitalsign keygen --pkcs11-module LIB --token LABEL --pin-file FILE\n"
          "                        [--name NAME] [--json]\n\n"
          "Creates an ECDSA P-256 device key in DIR (default .): NAME.key.pem (mode 0600)\n"
          "and NAME.pub.pem, refusing to overwrite, and prints the device id (the first\n"
          "16 bytes of SHA-256 over the public key) that topics and blocks carry.\n"
          "With --pkcs11-module the key pair is generated on the PKCS#11 token LABEL\n"
          "(a secure element, an HSM, SoftHSM2), never leaves it, and NAME.pub.pem is\n"
          "written to DIR for enrolment; a board uses it with key_store = \"pkcs11\".\n");
      return kExitOk;
    }
    bool has_value = i + 1 < args.size();
    if (args[i] == "--dir" && has_value) {
      directory = args[++i];
    } else if (args[i] == "--name" && has_value) {
      name = args[++i];
    } else if (args[i] == "--pkcs11-module" && has_value) {
      token.module = std::string(args[++i]);
    } else if (args[i] == "--token" && has_value) {
      token.token_label = args[++i];
    } else if (args[i] == "--pin-file" && has_value) {
      pin_file = args[++i];
    } else if (args[i] == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "vitalsign keygen: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  platform::FileKeyStore store(directory);
  if (!token.module.empty()) return keygen_on_token(token, pin_file, name, store, json);
  auto signer = store.create(name);
  if (!signer) {
    std::fprintf(stderr, "vitalsign keygen: %s\n", signer.error().message().c_str());
    return signer.error().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitEnvironment;
  }
  platform::MbedtlsSha256 sha;
  std::string id = chain::DeviceId::from_public_key(sha, (*signer)->public_key()).hex();
  std::string path = store.private_key_path(name).string();
  if (json) {
    std::printf("{\"device_id\":%s,\"private_key\":%s}\n", json_string(id).c_str(),
                json_string(path).c_str());
  } else {
    std::printf("device id   %s\nprivate key %s (0600)\npublic key  %s\n", id.c_str(), path.c_str(),
                store.public_key_path(name).c_str());
  }
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
