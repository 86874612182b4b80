#include <cstdio>
#include <fstream>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "vs/chain/device_id.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"

namespace vs::tools {

int run_keygen(std::span<const std::string_view> args) {
  std::string directory = ".";
  std::string name = "device";
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help") {
      std::printf(
          "usage: vitalsign keygen [--dir DIR] [--name NAME] [--json]\n\n"
          "Creates an ECDSA P-256 device key in DIR (default .): NAME.key.pem (mode 0600)\n"
          "and NAME.pub.pem, refusing to overwrite, and prints the device id (the first\n"
          "16 bytes of SHA-256 over the public key) that topics and blocks carry.\n");
      return kExitOk;
    }
    bool has_value = i + 1 < args.size();
    if (args[i] == "--dir" && has_value) {
      directory = args[++i];
    } else if (args[i] == "--name" && has_value) {
      name = args[++i];
    } else if (args[i] == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "vitalsign keygen: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  platform::FileKeyStore store(directory);
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
