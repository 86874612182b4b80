#include <cstdio>
#include <filesystem>
#include <string>

#include "command.h"
#include "gateway_files.h"
#include "json_text.h"
#include "vs/chain/gateway_key_set.h"
#include "vs/gateway/gateway_config.h"
#include "vs/platform/clock.h"
#include "vs/platform/file_key_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/toml_config.h"

namespace vs::tools {
namespace {

constexpr const char* kGatewayKeyHelp =
    "usage: vitalsign gateway-key rotate --config gateway.toml --name NEW [--at TIME] [--json]\n"
    "\n"
    "Makes the gateway's next receipt key NEW in keys.dir and writes the trusted gateway\n"
    "keys file (keys.dir/trusted_gateway_keys; started from keys.name's key when absent):\n"
    "every key's window still open at TIME closes then, and NEW is valid from then.\n"
    "TIME is RFC 3339 UTC, at least 5 s ahead (default: 10 s ahead): running gateways\n"
    "read the file again within a second, and none may still sign with the old key once\n"
    "its window has closed. Receipts and resend requests are signed by the key valid at\n"
    "their time, so gateways switch at TIME, every gateway of a cluster sharing keys.dir.\n"
    "Give the file to every device (gateway.trusted_keys) and auditor (verify\n"
    "--gateway-key) before TIME: a device that does not know NEW keeps its blocks until\n"
    "it does. Receipts the old key signed in its window verify for ever; nothing it signs\n"
    "after TIME does. The old private key can be deleted once TIME has passed.\n";

int rotate(std::span<const std::string_view> args) {
  std::string config_path, name;
  std::optional<std::uint64_t> at_ms;
  bool json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", kGatewayKeyHelp);
      return kExitOk;
    } else if (args[i] == "--config" && has_value) {
      config_path = args[++i];
    } else if (args[i] == "--name" && has_value) {
      name = args[++i];
    } else if (args[i] == "--at" && has_value) {
      std::string text(args[++i]);
      at_ms = parse_time_ms(text);
      if (!at_ms) {
        std::fprintf(stderr,
                     "vitalsign gateway-key: --at '%s' is not a time (2026-12-03T05:00:00Z)\n",
                     text.c_str());
        return kExitUsage;
      }
    } else if (args[i] == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "vitalsign gateway-key: unexpected argument '%.*s' (see --help)\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitUsage;
    }
  }
  if (config_path.empty() || name.empty()) {
    std::fprintf(stderr, "vitalsign gateway-key rotate: --config and --name are needed\n");
    return kExitUsage;
  }
  auto toml = platform::TomlConfig::load(config_path);
  if (!toml) return complain("gateway-key", toml.error());
  auto config = gateway::GatewayConfig::from_toml(*toml);
  if (!config) return complain("gateway-key", config.error());

  platform::SystemClock clock;
  std::uint64_t now_ms = clock.wall_ms();
  // A window closed before running gateways have read the file would orphan
  // receipts the old key signs meanwhile.
  constexpr std::uint64_t kLeadMs = 5'000;
  std::uint64_t rotation_ms = at_ms.value_or(now_ms + 2 * kLeadMs);
  if (rotation_ms < now_ms + kLeadMs) {
    std::fprintf(stderr,
                 "vitalsign gateway-key: --at %s is not 5 s ahead: running gateways could "
                 "still sign with the old key after its window closed\n",
                 utc(rotation_ms).c_str());
    return kExitUsage;
  }
  rotation_ms += 999 - (rotation_ms + 999) % 1000;  // whole seconds, never earlier
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  platform::FileKeyStore keys(config->key_dir);
  std::filesystem::path file = config->trusted_keys_path();
  std::error_code error;
  Result<chain::GatewayKeySet> trusted = chain::GatewayKeySet();
  if (std::filesystem::exists(file, error)) {
    trusted = read_gateway_keys(file.string(), sha, verifiers);
  } else {
    auto first = keys.public_key(config->key_name);
    if (!first) return complain("gateway-key", std::move(first).error().about("keys.name"));
    trusted = chain::GatewayKeySet::one(sha, verifiers, *first, config->key_name);
  }
  if (!trusted) return complain("gateway-key", trusted.error());

  auto made = keys.create(name);
  if (!made) return complain("gateway-key", made.error());
  Status rotated = trusted->rotate_to(sha, verifiers, name, (*made)->public_key(), rotation_ms);
  if (rotated) rotated = platform::write_key_text_file(file, trusted->text(), false);
  if (!rotated) {
    // Nothing was ever signed with it: the key made for a refused rotation goes.
    std::filesystem::remove(keys.private_key_path(name), error);
    std::filesystem::remove(keys.public_key_path(name), error);
    return complain("gateway-key", rotated.error());
  }
  const chain::GatewayKey& added = trusted->keys().back();
  if (json) {
    std::printf("{\"key\":%s,\"key_id\":%s,\"valid_from\":%s,\"trusted_keys_file\":%s}\n",
                json_string(name).c_str(), json_string(to_hex(added.key_id)).c_str(),
                json_string(utc(added.valid_from_ms)).c_str(), json_string(file.string()).c_str());
    return kExitOk;
  }
  std::printf("new key     %s (key id %s)\nvalid from  %s\ntrusted     %s:\n",
              keys.private_key_path(name).c_str(), to_hex(added.key_id).c_str(),
              utc(added.valid_from_ms).c_str(), file.c_str());
  for (const chain::GatewayKey& key : trusted->keys())
    std::printf("  %s\n", key.describe().c_str());
  std::printf(
      "give %s to every device (gateway.trusted_keys) and auditor before %s;\n"
      "running gateways read it again and switch keys then\n",
      file.c_str(), utc(added.valid_from_ms).c_str());
  return kExitOk;
}

}  // namespace

int run_gateway_key(std::span<const std::string_view> args) {
  if (args.empty() || args[0] == "--help") {
    std::printf("%s", kGatewayKeyHelp);
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "rotate") return rotate(args.subspan(1));
  std::fprintf(stderr, "vitalsign gateway-key: unknown action '%.*s' (see --help)\n",
               static_cast<int>(args[0].size()), args[0].data());
  return kExitUsage;
}

}  // namespace vs::tools
