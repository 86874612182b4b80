// `vitalsign chain show|verify --store DIR`: read an agent's LMDB store
// (read-only, safe while the agent runs).
#include <unistd.h>

#include <cstdio>
#include <string>

#include "command.h"
#include "json_text.h"
#include "terminal_progress.h"
#include "vs/agent/agent_store.h"
#include "vs/agent/chain_audit.h"
#include "vs/chain/opened_block.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::tools {
namespace {

struct ChainArgs {
  std::string store;
  bool json = false;
  std::uint64_t limit = 20;
};

int usage_error(const char* message) {
  std::fprintf(stderr, "vitalsign chain: %s (see vitalsign chain --help)\n", message);
  return kExitUsage;
}

Result<std::unique_ptr<platform::LmdbStore>> open_store(const std::string& directory) {
  agent::AgentStoreOptions options;
  options.directory = directory;
  options.read_only = true;
  return agent::open_agent_store(options);
}

int verify(const ChainArgs& args) {
  auto store = open_store(args.store);
  if (!store) {
    std::fprintf(stderr, "vitalsign chain verify: %s\n", store.error().message().c_str());
    return kExitEnvironment;
  }
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory keys;
  TerminalProgress progress("verifying blocks", !args.json && ::isatty(STDERR_FILENO) != 0);
  auto report = agent::audit_chain(
      **store, sha, keys,
      [&](std::uint64_t done, std::uint64_t total) { progress.update(done, total); });
  progress.finish();
  if (!report) {
    std::fprintf(stderr, "vitalsign chain verify: %s\n", report.error().message().c_str());
    return kExitInput;
  }
  const auto& r = *report;
  std::uint64_t last_height = r.tip ? r.tip->height : 0;
  if (args.json) {
    std::printf(
        "{\"device_id\":\"%s\",\"ok\":%s,\"first_height\":%llu,\"tip_height\":%s,\"blocks_"
        "verified\":%llu,"
        "\"entries_in_blocks\":%llu,\"pending_entries\":%llu,\"next_seq\":%llu%s}\n",
        r.device.hex().c_str(), r.failure ? "false" : "true",
        static_cast<unsigned long long>(r.first_height),
        r.tip ? std::to_string(last_height).c_str() : "null",
        static_cast<unsigned long long>(r.blocks),
        static_cast<unsigned long long>(r.entries_in_blocks),
        static_cast<unsigned long long>(r.pending_entries),
        static_cast<unsigned long long>(r.next_seq),
        r.failure ? (",\"failure\":" + json_string(r.failure->message())).c_str() : "");
  } else {
    std::printf("device    %s\n", r.device.hex().c_str());
    if (r.tip) {
      std::printf("blocks    %llu verified, heights %llu..%llu%s\n",
                  static_cast<unsigned long long>(r.blocks),
                  static_cast<unsigned long long>(r.first_height),
                  static_cast<unsigned long long>(last_height),
                  r.first_height > 0 ? " (older blocks pruned after anchoring)" : "");
    } else {
      std::printf("blocks    none sealed yet\n");
    }
    std::printf("entries   %llu in blocks, %llu committed and not yet sealed\n",
                static_cast<unsigned long long>(r.entries_in_blocks),
                static_cast<unsigned long long>(r.pending_entries));
    std::printf("next seq  %llu\n", static_cast<unsigned long long>(r.next_seq));
    std::printf("result    %s\n", r.failure ? ("FAILED: " + r.failure->message()).c_str() : "ok");
  }
  return r.failure ? kExitFailed : kExitOk;
}

int show(const ChainArgs& args) {
  auto store = open_store(args.store);
  if (!store) {
    std::fprintf(stderr, "vitalsign chain show: %s\n", store.error().message().c_str());
    return kExitEnvironment;
  }
  auto view = (*store)->snapshot();
  if (!view) {
    std::fprintf(stderr, "vitalsign chain show: %s\n", view.error().message().c_str());
    return kExitEnvironment;
  }
  auto snapshot = agent::DeviceChain::inspect(**view);
  if (!snapshot) {
    std::fprintf(stderr, "vitalsign chain show: %s\n", snapshot.error().message().c_str());
    return kExitInput;
  }
  platform::OpensslSha256 sha;
  const auto& s = *snapshot;
  std::uint64_t backlog = s.tip ? s.tip->height + 1 - s.retired_below : 0;
  auto usage = (*store)->usage();
  std::printf("device        %s\n",
              s.first_public_key.empty()
                  ? "(none)"
                  : chain::DeviceId::from_public_key(sha, s.first_public_key).hex().c_str());
  std::printf("tip           %s\n", s.tip ? ("height " + std::to_string(s.tip->height) + ", hash " +
                                             to_hex(s.tip->hash).substr(0, 16) + ", last seq " +
                                             std::to_string(s.tip->last_seq))
                                                .c_str()
                                          : "(no block yet)");
  std::printf("backlog       %llu blocks without an anchored receipt\n",
              static_cast<unsigned long long>(backlog));
  std::printf("pending       %llu entries committed, not yet sealed\n",
              static_cast<unsigned long long>(s.pending_entries));
  std::printf("next seq      %llu\n", static_cast<unsigned long long>(s.next_seq));
  std::printf("retired below %llu, pruned below %llu\n",
              static_cast<unsigned long long>(s.retired_below),
              static_cast<unsigned long long>(s.pruned_below));
  if (usage)
    std::printf("storage       %.1f MiB of live data\n",
                static_cast<double>(usage->used_bytes) / (1 << 20));
  if (!s.tip) return kExitOk;
  std::uint64_t from = s.tip->height + 1 > args.limit ? s.tip->height + 1 - args.limit : 0;
  from = std::max(from, s.pruned_below);
  std::printf("\n%8s  %-19s %7s %7s  %-8s  %s\n", "height", "seq", "entries", "bytes", "sealed",
              "receipt");
  auto records = agent::stored_blocks(**view, from, static_cast<std::size_t>(args.limit));
  if (!records) return kExitEnvironment;
  for (const auto& [height, bytes] : *records) {
    auto opened = chain::OpenedBlock::open(sha, bytes);
    if (!opened) {
      std::printf("%8llu  unreadable: %s\n", static_cast<unsigned long long>(height),
                  opened.error().message().c_str());
      continue;
    }
    const proto::BlockHeader* header = &opened->header;
    std::string seq = std::to_string(header->first_seq) + ".." + std::to_string(header->last_seq);
    std::printf("%8llu  %-19s %7u %7zu  %-8s  %s\n", static_cast<unsigned long long>(height),
                seq.c_str(), header->entry_count, bytes.size(),
                proto::seal_reason_name(header->seal_reason),
                height < s.retired_below ? "anchored" : "-");
  }
  return kExitOk;
}

}  // namespace

int run_chain(std::span<const std::string_view> args) {
  const char* help =
      "usage: vitalsign chain show   --store DIR [--limit N]\n"
      "       vitalsign chain verify --store DIR [--json]\n\n"
      "Reads an agent's LMDB store read-only (safe while the agent runs); a gateway's\n"
      "store, or a directory without a store, is refused and left as it is.\n"
      "show:   tip, backlog, pending entries, storage, and the last N blocks (default 20,\n"
      "        1 to 1000000).\n"
      "verify: every block's signature, entries root, entry signatures and links, the\n"
      "        tip, and the committed entries not yet sealed. Exit 0 when all hold, 1\n"
      "        naming the first bad height or seq and why.\n";
  if (args.empty() || args[0] == "--help") {
    std::printf("%s", help);
    return args.empty() ? kExitUsage : kExitOk;
  }
  ChainArgs parsed;
  for (std::size_t i = 1; i < args.size(); ++i) {
    bool has_value = i + 1 < args.size();
    if (args[i] == "--help") {
      std::printf("%s", help);
      return kExitOk;
    } else if (args[i] == "--store" && has_value) {
      parsed.store = args[++i];
    } else if (args[i] == "--json") {
      parsed.json = true;
    } else if (args[i] == "--limit" && has_value) {
      auto limit = parse_decimal(args[++i], 7);
      if (!limit || *limit == 0 || *limit > 1'000'000)
        return usage_error("--limit must be a whole number from 1 to 1000000");
      parsed.limit = *limit;
    } else {
      return usage_error(("unexpected argument '" + std::string(args[i]) + "'").c_str());
    }
  }
  if (parsed.store.empty()) return usage_error("--store DIR is required");
  if (args[0] == "verify") return verify(parsed);
  if (args[0] == "show") return show(parsed);
  return usage_error(("unknown chain command '" + std::string(args[0]) + "'").c_str());
}

}  // namespace vs::tools
