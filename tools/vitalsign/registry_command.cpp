// enrol, revoke, devices: the gateway's device registry, edited in its LMDB
// store (safe while the gateway runs: LMDB serialises writers across
// processes, and the gateway reads the registry per block).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "vs/gateway/block_ingest.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::tools {
namespace {

struct RegistryArgs {
  std::string store;
  std::string key_file;
  std::string cert_file;
  std::string ca_file;
  std::string device;
  bool json = false;
};

// Returns -1 when parsing succeeded, else the exit code.
int parse(const char* verb, const char* help, std::span<const std::string_view> args,
          RegistryArgs& out) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", help);
      return kExitOk;
    } else if (args[i] == "--store" && has_value) {
      out.store = args[++i];
    } else if (args[i] == "--key" && has_value) {
      out.key_file = args[++i];
    } else if (args[i] == "--cert" && has_value) {
      out.cert_file = args[++i];
    } else if (args[i] == "--ca" && has_value) {
      out.ca_file = args[++i];
    } else if (args[i] == "--device" && has_value) {
      out.device = args[++i];
    } else if (args[i] == "--json") {
      out.json = true;
    } else {
      std::fprintf(stderr, "vitalsign %s: unexpected argument '%.*s' (see --help)\n", verb,
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  if (out.store.empty()) {
    std::fprintf(stderr, "vitalsign %s: --store DIR (the gateway's data_dir) is required\n", verb);
    return kExitUsage;
  }
  return -1;
}

}  // namespace

int run_enrol(std::span<const std::string_view> args) {
  RegistryArgs parsed;
  int early = parse("enrol",
                    "usage: vitalsign enrol --store DIR --key DEVICE.pub.pem\n"
                    "                       [--cert DEVICE.crt [--ca CA.crt]] [--json]\n\n"
                    "Enrols a device's public key (PEM, as `vitalsign keygen` writes it) in the\n"
                    "gateway's registry at DIR, and prints the device id. Enrolling the same key\n"
                    "again changes nothing. With --cert, the device's TLS certificate is kept\n"
                    "with it: its common name must be the device id (the broker's ACL keys on\n"
                    "it), and with --ca it must be issued by that CA.\n"
                    "Exit 0 enrolled, 1 certificate refused, 3 bad key or certificate file,\n"
                    "4 store missing.\n",
                    args, parsed);
  if (early >= 0) return early;
  if (parsed.key_file.empty()) {
    std::fprintf(stderr, "vitalsign enrol: --key DEVICE.pub.pem is required\n");
    return kExitUsage;
  }
  auto key = read_public_key(parsed.key_file);
  if (!key) return complain("enrol", key.error());
  auto store = open_gateway_store(parsed.store, true);
  if (!store) return complain("enrol", store.error());
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  gateway::BlockIngest registry(**store, sha, verifiers);
  std::optional<platform::DeviceCertificate> certificate;
  if (!parsed.cert_file.empty()) {
    auto pem = read_text_file(parsed.cert_file, 64 * 1024);
    if (!pem) return complain("enrol", pem.error());
    std::string ca;
    if (!parsed.ca_file.empty()) {
      auto ca_pem = read_text_file(parsed.ca_file, 64 * 1024);
      if (!ca_pem) return complain("enrol", ca_pem.error());
      ca = *ca_pem;
    }
    auto parsed_certificate = platform::DeviceCertificate::parse(*pem, ca);
    if (!parsed_certificate)
      return complain("enrol", std::move(parsed_certificate).error().about(parsed.cert_file));
    certificate = std::move(parsed_certificate).value();
    std::string id = chain::DeviceId::from_public_key(sha, *key).hex();
    if (certificate->common_name != id) {
      return complain(
          "enrol",
          Error(ErrorCode::kConflict, "the certificate's common name is not the device id")
              .about(parsed.cert_file + ": CN=" + certificate->common_name + ", device " + id));
    }
  }
  auto device = registry.enrol(*key);
  if (!device) return complain("enrol", std::move(device).error().about(parsed.key_file));
  if (certificate) {
    Status attached = registry.set_certificate(*device, certificate->der);
    if (!attached) return complain("enrol", attached.error());
  }
  if (parsed.json) {
    std::printf("{\"device_id\":%s,\"enrolled\":true}\n", json_string(device->hex()).c_str());
  } else {
    std::printf("enrolled device %s%s\n", device->hex().c_str(),
                certificate ? (certificate->ca_verified ? " with its certificate (CA verified)"
                                                        : " with its certificate")
                            : "");
  }
  return kExitOk;
}

int run_revoke(std::span<const std::string_view> args) {
  RegistryArgs parsed;
  int early = parse("revoke",
                    "usage: vitalsign revoke --store DIR --device ID [--json]\n\n"
                    "Revokes a device in the gateway's registry at DIR: its blocks are rejected\n"
                    "from now on (reason revoked_device); what was accepted before stays, with\n"
                    "its receipts. Exit 0 revoked, 4 no such device or store.\n",
                    args, parsed);
  if (early >= 0) return early;
  auto device = chain::DeviceId::from_hex(parsed.device);
  if (!device) {
    std::fprintf(stderr, "vitalsign revoke: --device '%s': %s\n", parsed.device.c_str(),
                 device.error().message().c_str());
    return kExitUsage;
  }
  auto store = open_gateway_store(parsed.store, false);
  if (!store) return complain("revoke", store.error());
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  gateway::BlockIngest registry(**store, sha, verifiers);
  if (Status revoked = registry.revoke(*device); !revoked)
    return complain("revoke", revoked.error());
  if (parsed.json) {
    std::printf("{\"device_id\":%s,\"revoked\":true}\n", json_string(device->hex()).c_str());
  } else {
    std::printf("revoked device %s\n", device->hex().c_str());
  }
  return kExitOk;
}

int run_devices(std::span<const std::string_view> args) {
  RegistryArgs parsed;
  int early = parse("devices",
                    "usage: vitalsign devices --store DIR [--json]\n\n"
                    "Lists the devices enrolled in the gateway's registry at DIR: id, accepted\n"
                    "tip height, keys announced, and flags (revoked, equivocated).\n",
                    args, parsed);
  if (early >= 0) return early;
  auto store = open_gateway_store(parsed.store, false);
  if (!store) return complain("devices", store.error());
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  gateway::BlockIngest registry(**store, sha, verifiers);
  auto devices = registry.devices();
  if (!devices) return complain("devices", devices.error());
  if (parsed.json) std::printf("[");
  bool first = true;
  for (const auto& [device, record] : *devices) {
    auto tip = registry.tip(device);
    std::string tip_text = tip && *tip ? std::to_string((*tip)->height) : "-";
    std::string flags = record.revoked ? "revoked" : "";
    if (record.equivocated) flags += flags.empty() ? "equivocated" : ",equivocated";
    auto certificate = registry.certificate(device);
    bool has_certificate = certificate && certificate->has_value();
    if (has_certificate) flags += flags.empty() ? "certificate" : ",certificate";
    if (parsed.json) {
      std::printf(
          "%s{\"device_id\":%s,\"tip_height\":%s,\"keys\":%zu,\"revoked\":%s,"
          "\"equivocated\":%s,\"certificate\":%s}",
          first ? "" : ",", json_string(device.hex()).c_str(),
          tip && *tip ? tip_text.c_str() : "null", record.public_keys.size(),
          record.revoked ? "true" : "false", record.equivocated ? "true" : "false",
          has_certificate ? "true" : "false");
    } else {
      if (first) std::printf("%-32s %10s %4s  %s\n", "device", "tip", "keys", "flags");
      std::printf("%-32s %10s %4zu  %s\n", device.hex().c_str(), tip_text.c_str(),
                  record.public_keys.size(), flags.c_str());
    }
    first = false;
  }
  if (parsed.json) std::printf("]\n");
  if (!parsed.json && first) std::printf("no devices enrolled\n");
  return kExitOk;
}

}  // namespace vs::tools
