#include "vs/proto/proof_bundle_json.h"

#include "vs/platform/bytes.h"
#include "vs/platform/json.h"

namespace vs::proto {
namespace {

using platform::Json;
using platform::JsonView;

constexpr std::size_t kMaxProofBytes = 1 << 20;
constexpr std::size_t kMaxPathItems = 64;
constexpr std::size_t kMaxKeyRotations = 64;

Json hex_list(const std::vector<std::vector<std::uint8_t>>& items) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(to_hex(item));
  return out;
}

// Lowercase hex only, as written: another spelling of the same bytes would
// be a change to the file that no check sees.
Result<Bytes> canonical_hex(std::string_view text, const std::string& field) {
  auto decoded = from_hex(text);
  if (!decoded) return std::move(decoded).error().about(field);
  if (to_hex(*decoded) != text)
    return Error(ErrorCode::kMalformed, "hex is not lowercase").about(field);
  return decoded;
}

class Reader {
 public:
  explicit Reader(JsonView root) : root_(root) {}

  JsonView find(const char* path_a, const char* path_b) const {
    JsonView node = root_[path_a];
    return path_b == nullptr ? node : node[path_b];
  }
  static std::string name(const char* a, const char* b) {
    return b == nullptr ? std::string(a) : std::string(a) + "." + b;
  }
  // An object holding exactly `members` fields: one more is a field nobody
  // checks, and a proof carries nothing that is not checked.
  vs::Status object(const char* a, std::size_t members) const {
    JsonView node = a == nullptr ? root_ : root_[a];
    std::string what = a == nullptr ? "the proof" : a;
    if (!node.is_object())
      return Error(ErrorCode::kMalformed, "missing or not an object").about(what);
    if (node.size() != members)
      return Error(ErrorCode::kMalformed, "unknown fields (a proof holds only what is checked)")
          .about(what + " has " + std::to_string(node.size()) + " fields, not " +
                 std::to_string(members));
    return {};
  }
  vs::Status bytes(const char* a, const char* b, std::vector<std::uint8_t>& out) const {
    auto text = find(a, b).string();
    if (!text) return Error(ErrorCode::kMalformed, "missing or not a hex string").about(name(a, b));
    VS_TRY_ASSIGN(out, canonical_hex(*text, name(a, b)));
    return {};
  }
  vs::Status number(const char* a, const char* b, std::uint64_t& out) const {
    auto value = find(a, b).unsigned_number();
    if (!value)
      return Error(ErrorCode::kMalformed, "missing or not a non-negative integer")
          .about(name(a, b));
    out = *value;
    return {};
  }
  vs::Status list(const char* a, const char* b, std::vector<std::vector<std::uint8_t>>& out) const {
    JsonView node = find(a, b);
    if (!node.is_array())
      return Error(ErrorCode::kMalformed, "missing or not a list of hex strings").about(name(a, b));
    if (node.size() > kMaxPathItems)
      return Error(ErrorCode::kMalformed, "path is too long")
          .about(name(a, b) + " holds " + std::to_string(node.size()) + " hashes, at most " +
                 std::to_string(kMaxPathItems));
    out.clear();
    for (std::size_t i = 0; i < node.size(); ++i) {
      auto text = node[i].string();
      if (!text) return Error(ErrorCode::kMalformed, "not a list of hex strings").about(name(a, b));
      VS_TRY_ASSIGN(Bytes decoded, canonical_hex(*text, name(a, b)));
      out.push_back(std::move(decoded));
    }
    return {};
  }
  // A list of objects, each read by `item` through a Reader of its own.
  template <typename ReadItem>
  vs::Status objects(const char* a, std::size_t max_items, ReadItem item) const {
    JsonView node = root_[a];
    if (!node.is_array()) return Error(ErrorCode::kMalformed, "not a list").about(a);
    if (node.size() == 0 || node.size() > max_items)
      return Error(ErrorCode::kMalformed, "holds no item or too many")
          .about(std::string(a) + " holds " + std::to_string(node.size()) + ", 1 to " +
                 std::to_string(max_items));
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (auto read = item(Reader(node[i])); !read)
        return std::move(read).error().about(std::string(a) + "[" + std::to_string(i) + "]");
    }
    return {};
  }
  bool has(const char* a) const { return root_[a].exists(); }
  vs::Status text(const char* a, const char* b, std::string& out) const {
    auto text = find(a, b).string();
    if (!text) return Error(ErrorCode::kMalformed, "missing or not a string").about(name(a, b));
    out = std::string(*text);
    return {};
  }

 private:
  JsonView root_;
};

vs::Status read_key_rotation(const Reader& item, ProofKeyRotation& r) {
  VS_TRY(item.bytes("header", nullptr, r.block_header));
  VS_TRY(item.bytes("signature", nullptr, r.block_signature));
  VS_TRY(item.bytes("entry", nullptr, r.entry));
  VS_TRY(item.bytes("blinding", nullptr, r.blinding));
  VS_TRY(item.number("entry_index", nullptr, r.entry_index));
  VS_TRY(item.list("entry_path", nullptr, r.entry_path));
  return item.object(nullptr, 6);
}

}  // namespace

std::string ProofBundleJson::encode(const ProofBundle& b) {
  Json out = Json::object();
  out.set("format", kProofFormat);
  out.set("version", b.version);
  out.set("about", {{"device", b.about.device},
                    {"seq", b.about.seq},
                    {"reading", b.about.reading},
                    {"block_height", b.about.block_height},
                    {"ledger", b.about.ledger}});
  out.set("device_id", to_hex(b.device_id));
  out.set("seq", b.seq);
  out.set("entry", {{"bytes", to_hex(b.entry)},
                    {"blinding", to_hex(b.blinding)},
                    {"signature", to_hex(b.entry_signature)}});
  out.set("block", {{"entry_index", b.entry_index},
                    {"entry_path", hex_list(b.entry_path)},
                    {"header", to_hex(b.block_header)},
                    {"signature", to_hex(b.block_signature)},
                    {"device_public_key", to_hex(b.device_public_key)}});
  // Only for a block of a rotated key: proofs of the first key's blocks
  // read as they always did.
  if (!b.key_rotations.empty()) {
    Json rotations = Json::array();
    for (const ProofKeyRotation& r : b.key_rotations) {
      rotations.push_back({{"header", to_hex(r.block_header)},
                           {"signature", to_hex(r.block_signature)},
                           {"entry", to_hex(r.entry)},
                           {"blinding", to_hex(r.blinding)},
                           {"entry_index", r.entry_index},
                           {"entry_path", hex_list(r.entry_path)}});
    }
    out.set("key_rotations", std::move(rotations));
  }
  out.set("batch", {{"id", b.batch_id},
                    {"root", to_hex(b.batch_root)},
                    {"size", b.batch_size},
                    {"leaf_index", b.leaf_index},
                    {"path", hex_list(b.batch_path)},
                    {"receipt", to_hex(b.receipt)},
                    {"gateway_public_key", to_hex(b.gateway_public_key)}});
  out.set("ledger", {{"entry", to_hex(b.ledger_entry)},
                     {"log_size", b.ledger_size},
                     {"log_path", hex_list(b.ledger_path)},
                     {"checkpoint", b.checkpoint}});
  return out.dump(2) + "\n";
}

Result<ProofBundle> ProofBundleJson::decode(std::string_view text) {
  auto parsed = Json::parse(text, kMaxProofBytes);
  if (!parsed && text.size() > kMaxProofBytes)
    return Error(ErrorCode::kMalformed, "a proof file is too large")
        .about(std::to_string(text.size()) + " bytes, at most " + std::to_string(kMaxProofBytes));
  if (!parsed || !parsed->view().is_object())
    return Error(ErrorCode::kMalformed, "not a JSON object (truncated or not a proof file?)");
  Reader read(parsed->view());
  std::string format;
  VS_TRY(read.text("format", nullptr, format));
  if (format != kProofFormat)
    return Error(ErrorCode::kMalformed, "not a vitalsign proof file").about("format = " + format);
  ProofBundle b;
  std::uint64_t version = 0;
  VS_TRY(read.number("version", nullptr, version));
  if (version != kProofVersion)
    return Error(ErrorCode::kUnsupported, "proof version not supported")
        .about("version " + std::to_string(version) + ", this build reads " +
               std::to_string(kProofVersion));
  b.version = static_cast<std::uint32_t>(version);
  VS_TRY(read.bytes("device_id", nullptr, b.device_id));
  VS_TRY(read.number("seq", nullptr, b.seq));
  VS_TRY(read.text("about", "device", b.about.device));
  VS_TRY(read.number("about", "seq", b.about.seq));
  VS_TRY(read.text("about", "reading", b.about.reading));
  VS_TRY(read.number("about", "block_height", b.about.block_height));
  VS_TRY(read.text("about", "ledger", b.about.ledger));
  VS_TRY(read.bytes("entry", "bytes", b.entry));
  VS_TRY(read.bytes("entry", "blinding", b.blinding));
  VS_TRY(read.bytes("entry", "signature", b.entry_signature));
  VS_TRY(read.number("block", "entry_index", b.entry_index));
  VS_TRY(read.list("block", "entry_path", b.entry_path));
  VS_TRY(read.bytes("block", "header", b.block_header));
  VS_TRY(read.bytes("block", "signature", b.block_signature));
  VS_TRY(read.bytes("block", "device_public_key", b.device_public_key));
  if (read.has("key_rotations")) {
    auto rotations = read.objects("key_rotations", kMaxKeyRotations, [&](const Reader& item) {
      return read_key_rotation(item, b.key_rotations.emplace_back());
    });
    if (!rotations) return std::move(rotations).error();
  }
  VS_TRY(read.number("batch", "id", b.batch_id));
  VS_TRY(read.bytes("batch", "root", b.batch_root));
  VS_TRY(read.number("batch", "size", b.batch_size));
  VS_TRY(read.number("batch", "leaf_index", b.leaf_index));
  VS_TRY(read.list("batch", "path", b.batch_path));
  VS_TRY(read.bytes("batch", "receipt", b.receipt));
  VS_TRY(read.bytes("batch", "gateway_public_key", b.gateway_public_key));
  VS_TRY(read.bytes("ledger", "entry", b.ledger_entry));
  VS_TRY(read.number("ledger", "log_size", b.ledger_size));
  VS_TRY(read.list("ledger", "log_path", b.ledger_path));
  VS_TRY(read.text("ledger", "checkpoint", b.checkpoint));
  // Nothing else: no field beyond those read, and no byte laid out other
  // than encode() lays it out.
  VS_TRY(read.object(nullptr, b.key_rotations.empty() ? 9 : 10));
  VS_TRY(read.object("about", 5));
  VS_TRY(read.object("entry", 3));
  VS_TRY(read.object("block", 5));
  VS_TRY(read.object("batch", 7));
  VS_TRY(read.object("ledger", 4));
  if (encode(b) != text)
    return Error(ErrorCode::kMalformed,
                 "not laid out as exported (spacing, order or escapes changed): a proof file is "
                 "checked byte for byte");
  return b;
}

}  // namespace vs::proto
