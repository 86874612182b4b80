#include "vs/platform/proof_bundle_json.h"

#include <nlohmann/json.hpp>

#include "vs/platform/bytes.h"

namespace vs::platform {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr std::size_t kMaxProofBytes = 1 << 20;

std::vector<std::string> hex_list(const std::vector<std::vector<std::uint8_t>>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(to_hex(item));
  return out;
}

class Reader {
 public:
  explicit Reader(const json& root) : root_(root) {}

  const json* find(const char* path_a, const char* path_b) const {
    const json* node = &root_;
    for (const char* name : {path_a, path_b}) {
      if (name == nullptr) break;
      if (!node->is_object()) return nullptr;
      auto found = node->find(name);
      if (found == node->end()) return nullptr;
      node = &*found;
    }
    return node;
  }
  static std::string name(const char* a, const char* b) {
    return b == nullptr ? std::string(a) : std::string(a) + "." + b;
  }
  Status bytes(const char* a, const char* b, std::vector<std::uint8_t>& out,
               bool optional = false) const {
    const json* node = find(a, b);
    if (node == nullptr && optional) return {};
    if (node == nullptr || !node->is_string())
      return Error(ErrorCode::kMalformed, "missing or not a hex string").about(name(a, b));
    auto decoded = from_hex(node->get_ref<const std::string&>());
    if (!decoded) return std::move(decoded).error().about(name(a, b));
    out = std::move(decoded).value();
    return {};
  }
  Status number(const char* a, const char* b, std::uint64_t& out) const {
    const json* node = find(a, b);
    if (node == nullptr || !node->is_number_unsigned())
      return Error(ErrorCode::kMalformed, "missing or not a non-negative integer")
          .about(name(a, b));
    out = node->get<std::uint64_t>();
    return {};
  }
  Status list(const char* a, const char* b, std::vector<std::vector<std::uint8_t>>& out) const {
    const json* node = find(a, b);
    if (node == nullptr || !node->is_array())
      return Error(ErrorCode::kMalformed, "missing or not a list of hex strings").about(name(a, b));
    if (node->size() > 64)
      return Error(ErrorCode::kMalformed, "path is too long").about(name(a, b));
    out.clear();
    for (const json& item : *node) {
      if (!item.is_string())
        return Error(ErrorCode::kMalformed, "not a list of hex strings").about(name(a, b));
      auto decoded = from_hex(item.get_ref<const std::string&>());
      if (!decoded) return std::move(decoded).error().about(name(a, b));
      out.push_back(std::move(decoded).value());
    }
    return {};
  }
  Status text(const char* a, const char* b, std::string& out, bool optional = false) const {
    const json* node = find(a, b);
    if (node == nullptr && optional) return {};
    if (node == nullptr || !node->is_string())
      return Error(ErrorCode::kMalformed, "missing or not a string").about(name(a, b));
    out = node->get<std::string>();
    return {};
  }

 private:
  const json& root_;
};

}  // namespace

std::string ProofBundleJson::encode(const proto::ProofBundle& b, const std::string& about_json) {
  ordered out;
  out["format"] = proto::kProofFormat;
  out["version"] = b.version;
  json about = json::parse(about_json, nullptr, false);
  out["about"] = about.is_discarded() ? json::object() : about;
  out["device_id"] = to_hex(b.device_id);
  out["seq"] = b.seq;
  out["entry"] = {{"bytes", to_hex(b.entry)},
                  {"blinding", to_hex(b.blinding)},
                  {"signature", to_hex(b.entry_signature)}};
  out["block"] = {{"entry_index", b.entry_index},
                  {"entry_path", hex_list(b.entry_path)},
                  {"header", to_hex(b.block_header)},
                  {"signature", to_hex(b.block_signature)},
                  {"device_public_key", to_hex(b.device_public_key)}};
  out["batch"] = {{"id", b.batch_id},
                  {"root", to_hex(b.batch_root)},
                  {"size", b.batch_size},
                  {"leaf_index", b.leaf_index},
                  {"path", hex_list(b.batch_path)},
                  {"receipt", to_hex(b.receipt)},
                  {"gateway_public_key", to_hex(b.gateway_public_key)}};
  ordered ledger = {{"entry", to_hex(b.ledger_entry)},
                    {"log_size", b.ledger_size},
                    {"log_path", hex_list(b.ledger_path)},
                    {"checkpoint", b.checkpoint}};
  out["ledger"] = ledger;
  return out.dump(2) + "\n";
}

Result<proto::ProofBundle> ProofBundleJson::decode(std::string_view text) {
  if (text.size() > kMaxProofBytes)
    return Error(ErrorCode::kMalformed, "a proof file is at most 1 MiB");
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object())
    return Error(ErrorCode::kMalformed, "not a JSON object (truncated or not a proof file?)");
  Reader read(root);
  std::string format;
  VS_TRY(read.text("format", nullptr, format));
  if (format != proto::kProofFormat)
    return Error(ErrorCode::kMalformed, "not a vitalsign proof file").about("format = " + format);
  proto::ProofBundle b;
  std::uint64_t version = 0;
  VS_TRY(read.number("version", nullptr, version));
  if (version != proto::kProofVersion)
    return Error(ErrorCode::kUnsupported, "proof version not supported (this build reads 1)")
        .about("version = " + std::to_string(version));
  b.version = static_cast<std::uint32_t>(version);
  VS_TRY(read.bytes("device_id", nullptr, b.device_id));
  VS_TRY(read.number("seq", nullptr, b.seq));
  VS_TRY(read.bytes("entry", "bytes", b.entry));
  VS_TRY(read.bytes("entry", "blinding", b.blinding));
  VS_TRY(read.bytes("entry", "signature", b.entry_signature, true));
  VS_TRY(read.number("block", "entry_index", b.entry_index));
  VS_TRY(read.list("block", "entry_path", b.entry_path));
  VS_TRY(read.bytes("block", "header", b.block_header));
  VS_TRY(read.bytes("block", "signature", b.block_signature));
  VS_TRY(read.bytes("block", "device_public_key", b.device_public_key));
  VS_TRY(read.number("batch", "id", b.batch_id));
  VS_TRY(read.bytes("batch", "root", b.batch_root));
  VS_TRY(read.number("batch", "size", b.batch_size));
  VS_TRY(read.number("batch", "leaf_index", b.leaf_index));
  VS_TRY(read.list("batch", "path", b.batch_path));
  VS_TRY(read.bytes("batch", "receipt", b.receipt));
  VS_TRY(read.bytes("batch", "gateway_public_key", b.gateway_public_key));
  VS_TRY(read.bytes("ledger", "entry", b.ledger_entry, true));
  if (read.find("ledger", "log_size") != nullptr)
    VS_TRY(read.number("ledger", "log_size", b.ledger_size));
  if (read.find("ledger", "log_path") != nullptr)
    VS_TRY(read.list("ledger", "log_path", b.ledger_path));
  VS_TRY(read.text("ledger", "checkpoint", b.checkpoint, true));
  return b;
}

}  // namespace vs::platform
