// enrol, revoke, devices: the gateway's device registry, edited in its LMDB
// store (safe while the gateway runs: LMDB serialises writers across
// processes, and the gateway reads the registry per block).
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/status_report.h"
#include "vs/platform/clock.h"
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
  bool create = false;       // enrol only: make the store when it is not there
  std::size_t anchors = 10;  // status only: how many of the latest anchors
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
    } else if (args[i] == "--create" && std::string_view(verb) == "enrol") {
      out.create = true;
    } else if (args[i] == "--anchors" && has_value && std::string_view(verb) == "status") {
      auto count = parse_decimal(args[++i], 9);
      if (!count) {
        std::fprintf(stderr, "vitalsign status: --anchors takes a count up to 999999999\n");
        return kExitUsage;
      }
      out.anchors = static_cast<std::size_t>(*count);
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
                    "usage: vitalsign enrol --store DIR --key DEVICE.pub.pem [--create]\n"
                    "                       [--cert DEVICE.crt [--ca CA.crt]] [--json]\n\n"
                    "Enrols a device's public key (PEM, as `vitalsign keygen` writes it) in the\n"
                    "gateway's registry at DIR, and prints the device id. DIR must hold a\n"
                    "gateway store; --create makes a new one there when it does not (so a\n"
                    "mistyped path is an error, not a new store). Enrolling the same key\n"
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
  auto store =
      open_gateway_store(parsed.store, parsed.create ? StoreAccess::kCreate : StoreAccess::kWrite);
  if (!store) return complain("enrol", store.error());
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  gateway::DeviceRegistry registry(**store, sha, verifiers);
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
  auto store = open_gateway_store(parsed.store, StoreAccess::kWrite);
  if (!store) return complain("revoke", store.error());
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  gateway::DeviceRegistry registry(**store, sha, verifiers);
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
  auto store = open_gateway_store(parsed.store, StoreAccess::kRead);
  if (!store) return complain("devices", store.error());
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  gateway::DeviceRegistry registry(**store, sha, verifiers);
  auto devices = registry.devices();
  if (!devices) return complain("devices", devices.error());
  if (parsed.json) std::printf("[");
  bool first = true;
  for (const auto& [device, record] : *devices) {
    auto tip = (*store)->tip(device);
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

namespace {

// gap, equivocated, revoked, certificate: what an operator looks at first.
std::string status_flags(const gateway::StatusReport::Device& device) {
  std::string flags;
  auto add = [&](bool on, const char* flag) {
    if (on) flags += (flags.empty() ? "" : ",") + std::string(flag);
  };
  add(device.held > 0, "gap");
  add(device.record.equivocated, "equivocated");
  add(device.record.revoked, "revoked");
  add(device.has_certificate, "certificate");
  return flags;
}

// The lease holder while its lease runs (by this machine's clock), if any.
std::string anchorer_now(const gateway::StatusReport& report, std::uint64_t now_ms) {
  const auto& lease = report.anchor_lease;
  return lease && lease->expires_ms > now_ms ? lease->holder : std::string();
}

void print_status_json(const gateway::StatusReport& report) {
  std::string out = "{\"devices\":[";
  for (std::size_t i = 0; i < report.devices.size(); ++i) {
    const auto& device = report.devices[i];
    out += (i ? "," : "") + std::string("{\"device_id\":") + json_string(device.device.hex()) +
           ",\"tip_height\":" + (device.tip_height ? std::to_string(*device.tip_height) : "null") +
           ",\"queued_blocks\":" + std::to_string(device.queued) +
           ",\"held_blocks\":" + std::to_string(device.held) +
           ",\"last_sealed_ms\":" + std::to_string(device.last_sealed_ms) +
           ",\"flags\":" + json_string(status_flags(device)) + "}";
  }
  out += "],\"queued_blocks\":" + std::to_string(report.queued) +
         ",\"batches_awaiting_finality\":" + std::to_string(report.batches_awaiting_finality) +
         ",\"next_batch_id\":" + std::to_string(report.next_batch_id) + ",\"recent_anchors\":[";
  for (std::size_t i = 0; i < report.recent_anchors.size(); ++i) {
    const auto& anchor = report.recent_anchors[i];
    out += (i ? "," : "") + std::string("{\"batch_id\":") + std::to_string(anchor.batch_id) +
           ",\"time_ms\":" + std::to_string(anchor.time_ms) +
           ",\"blocks\":" + std::to_string(anchor.blocks) +
           ",\"ledger\":" + json_string(anchor.ledger.chain_id) +
           ",\"transaction\":" + json_string(to_hex(anchor.ledger.transaction_id)) +
           ",\"ledger_height\":" + std::to_string(anchor.ledger.ledger_height) +
           ",\"cost\":" + std::to_string(anchor.cost) + "}";
  }
  out += "]";
  if (!report.gateways.empty()) {
    std::string anchorer = anchorer_now(report, platform::SystemClock().wall_ms());
    out += ",\"cluster\":{\"anchorer\":" + (anchorer.empty() ? "null" : json_string(anchorer)) +
           ",\"lease_expires_ms\":" +
           std::to_string(report.anchor_lease ? report.anchor_lease->expires_ms : 0) +
           ",\"gateways\":[";
    for (std::size_t i = 0; i < report.gateways.size(); ++i) {
      out += (i ? "," : "") + std::string("{\"name\":") + json_string(report.gateways[i].name) +
             ",\"heartbeat_ms\":" + std::to_string(report.gateways[i].heartbeat_ms) +
             ",\"anchorer\":" + (report.gateways[i].name == anchorer ? "true" : "false") + "}";
    }
    out += "]}";
  }
  std::printf("%s}\n", out.c_str());
}

void print_cluster_table(const gateway::StatusReport& report) {
  std::uint64_t now_ms = platform::SystemClock().wall_ms();
  std::string anchorer = anchorer_now(report, now_ms);
  std::printf("\n%zu gateways in the cluster; %s\n", report.gateways.size(),
              anchorer.empty() ? "none anchors now (the lease is free or ran out)"
                               : (anchorer + " anchors, its lease runs until " +
                                  utc(report.anchor_lease->expires_ms))
                                     .c_str());
  std::printf("%-24s %-20s %10s  %s\n", "gateway", "last heartbeat", "ago", "role");
  for (const auto& member : report.gateways) {
    double ago_s = now_ms > member.heartbeat_ms
                       ? static_cast<double>(now_ms - member.heartbeat_ms) / 1000.0
                       : 0.0;
    std::printf("%-24s %-20s %9.1fs  %s\n", member.name.c_str(), utc(member.heartbeat_ms).c_str(),
                ago_s, member.name == anchorer ? "anchorer" : "member");
  }
}

void print_status_table(const gateway::StatusReport& report) {
  std::printf("%-32s %8s %7s %5s  %-20s  %s\n", "device", "tip", "queued", "held", "last sealed",
              "flags");
  for (const auto& device : report.devices) {
    std::printf("%-32s %8s %7llu %5llu  %-20s  %s\n", device.device.hex().c_str(),
                device.tip_height ? std::to_string(*device.tip_height).c_str() : "-",
                static_cast<unsigned long long>(device.queued),
                static_cast<unsigned long long>(device.held),
                device.last_sealed_ms ? utc(device.last_sealed_ms).c_str() : "-",
                status_flags(device).c_str());
  }
  if (report.devices.empty()) std::printf("no devices enrolled\n");
  if (!report.gateways.empty()) print_cluster_table(report);
  std::printf(
      "\n%llu blocks waiting for an anchor, %llu anchors awaiting finality, next batch %llu\n",
      static_cast<unsigned long long>(report.queued),
      static_cast<unsigned long long>(report.batches_awaiting_finality),
      static_cast<unsigned long long>(report.next_batch_id));
  if (report.recent_anchors.empty()) return;
  std::printf("\n%6s  %-20s %7s  %-28s %10s  %s\n", "batch", "anchored", "blocks", "ledger",
              "height", "cost");
  for (const auto& anchor : report.recent_anchors) {
    std::printf("%6llu  %-20s %7llu  %-28s %10llu  %s\n",
                static_cast<unsigned long long>(anchor.batch_id), utc(anchor.time_ms).c_str(),
                static_cast<unsigned long long>(anchor.blocks), anchor.ledger.chain_id.c_str(),
                static_cast<unsigned long long>(anchor.ledger.ledger_height),
                anchor.cost ? (std::to_string(anchor.cost) + " gas").c_str() : "-");
  }
}

}  // namespace

int run_status(std::span<const std::string_view> args) {
  RegistryArgs parsed;
  int early =
      parse("status",
            "usage: vitalsign status --store DIR|postgresql://... [--anchors N] [--json]\n\n"
            "A gateway operator's view of its store at DIR, or of a cluster's shared\n"
            "state (read-only, safe while the gateways run): each device's tip, blocks\n"
            "waiting for an anchor, blocks held past a gap, when its last block was\n"
            "sealed, and flags (gap, equivocated, revoked, certificate); then the\n"
            "queue and the latest anchors (10, or N) with their ledger reference and cost\n"
            "(gas, on a chain); for a cluster, each gateway, its last heartbeat and which\n"
            "one anchors (VS_POSTGRES_SCHEMA names a schema other than vitalsign).\n",
            args, parsed);
  if (early >= 0) return early;
  auto store = open_gateway_store(parsed.store, StoreAccess::kRead);
  if (!store) return complain("status", store.error());
  platform::OpensslSha256 sha;
  auto report = gateway::StatusReport::gather(**store, sha, parsed.anchors);
  if (!report) return complain("status", std::move(report).error().about(parsed.store));
  if (parsed.json) {
    print_status_json(*report);
  } else {
    print_status_table(*report);
  }
  return kExitOk;
}

}  // namespace vs::tools
