// `vitalsign`: the command line for device makers, operators and auditors.
#include <cstdio>
#include <string_view>
#include <vector>

#include "command.h"

namespace {

using vs::tools::Command;

constexpr Command kCommands[] = {
    {"selfcheck", "sign, seal, verify and tamper-test a chain in memory, end to end",
     vs::tools::run_self_check},
    {"keygen", "create a device key in a key directory and print the device id",
     vs::tools::run_keygen},
    {"csr", "make a certificate signing request for a device key (CN = device id)",
     vs::tools::run_csr},
    {"rotate-key", "make the device's next key and hand the rotation to its agent",
     vs::tools::run_rotate_key},
    {"chain", "show or verify an agent's chain store (read-only)", vs::tools::run_chain},
    {"enrol", "enrol a device's public key in a gateway's registry", vs::tools::run_enrol},
    {"revoke", "revoke a device in a gateway's registry", vs::tools::run_revoke},
    {"devices", "list the devices in a gateway's registry, with tips and flags",
     vs::tools::run_devices},
    {"proof", "export the proof of one reading from a gateway's store", vs::tools::run_proof},
    {"verify", "check a proof file offline, link by link (and on the chain)",
     vs::tools::run_verify},
    {"status", "a gateway operator's view: devices, queues, gaps, flags, recent anchors",
     vs::tools::run_status},
    {"fhir", "export verified readings as an HL7 FHIR R4 transaction Bundle", vs::tools::run_fhir},
    {"access", "list the gateway's log of exports and where each was anchored",
     vs::tools::run_access},
    {"consent", "grant or revoke a recipient's access, or enrol the subject, on this device",
     vs::tools::run_consent},
    {"backup", "copy a live gateway's or agent's LMDB store to one file, consistently",
     vs::tools::run_backup},
    {"restore", "make a gateway's store from a backup, audited and reconciled with the ledger",
     vs::tools::run_restore},
    {"gateway-key", "rotate the gateway's receipt key at a time, in its trusted gateway keys file",
     vs::tools::run_gateway_key},
    {"witness", "cosign the local ledger's checkpoints as a witness, or ask one (C2SP)",
     vs::tools::run_witness},
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: vitalsign <verb> [options]\n"
               "       vitalsign <verb> --help\n\n"
               "verbs:\n");
  for (const Command& command : kCommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(command.name.size()),
                 command.name.data(), static_cast<int>(command.summary.size()),
                 command.summary.data());
  }
  std::fprintf(out, "  %-10s %s\n", "version", "print the version");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? stderr : stdout);
    return args.empty() ? vs::tools::kExitUsage : vs::tools::kExitOk;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::printf("vitalsign 0.1.0\n");
    return vs::tools::kExitOk;
  }
  for (const Command& command : kCommands) {
    if (args[0] == command.name) return command.run(std::span(args).subspan(1));
  }
  std::fprintf(stderr, "vitalsign: unknown verb '%.*s'\n\n", static_cast<int>(args[0].size()),
               args[0].data());
  print_usage(stderr);
  return vs::tools::kExitUsage;
}
