#include "vs/chain/block_verifier.h"

#include <algorithm>
#include <string>

#include "vs/chain/entry_leaf.h"
#include "vs/chain/merkle.h"
#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

namespace vs::chain {
namespace {

Status check_header_fields(const proto::BlockHeader& header, const DeviceId& device,
                           BlockFault& fault) {
  fault = BlockFault::kFormat;
  if (header.version != proto::kBlockVersion) {
    return Error(ErrorCode::kUnsupported, "block header version is not 1");
  }
  if (header.device_id.size() != DeviceId::kSize) {
    return Error(ErrorCode::kMalformed, "block header device id is not 16 bytes");
  }
  if (!equal(header.device_id, device.bytes())) {
    fault = BlockFault::kDevice;
    return Error(ErrorCode::kIntegrity, "block belongs to another device");
  }
  if (header.previous_hash.size() != proto::kHashSize) {
    return Error(ErrorCode::kMalformed, "block header previous hash is not 32 bytes");
  }
  if (header.height == 0 && std::any_of(header.previous_hash.begin(), header.previous_hash.end(),
                                        [](std::uint8_t b) { return b != 0; })) {
    fault = BlockFault::kLink;
    return Error(ErrorCode::kIntegrity, "first block has a non-zero previous hash");
  }
  if (header.entries_root.size() != proto::kHashSize) {
    return Error(ErrorCode::kMalformed, "block header entries root is not 32 bytes");
  }
  bool has_anchor = header.anchor_batch_id != 0;
  std::size_t anchor_root_size = has_anchor ? proto::kHashSize : 0;
  if (header.anchor_batch_root.size() != anchor_root_size) {
    return Error(ErrorCode::kMalformed,
                 "block header anchor batch root must be 32 bytes with a batch id, else empty");
  }
  if (header.entry_count == 0) return Error(ErrorCode::kMalformed, "block has no entries");
  if (header.last_seq < header.first_seq ||
      header.last_seq - header.first_seq != header.entry_count - 1ULL) {
    return Error(ErrorCode::kMalformed, "block header seq range does not match its entry count");
  }
  return {};
}

}  // namespace

Result<VerifiedBlock> BlockVerifier::verify(ByteView encoded_block, const DeviceId& device,
                                            const platform::Verifier& device_key,
                                            BlockFault* fault) const {
  auto block = proto::WireCodec::decode_block(encoded_block);
  if (!block) {
    if (fault != nullptr) *fault = BlockFault::kFormat;
    return std::move(block).error();
  }
  return verify(*block, device, device_key, fault);
}

Result<VerifiedBlock> BlockVerifier::verify(const proto::Block& block, const DeviceId& device,
                                            const platform::Verifier& device_key,
                                            BlockFault* fault) const {
  auto header = proto::WireCodec::decode_block_header(block.header);
  if (!header) {
    if (fault != nullptr) *fault = BlockFault::kFormat;
    return std::move(header).error().about("block header");
  }
  return verify(block, std::move(header).value(), device, device_key, fault);
}

Result<VerifiedBlock> BlockVerifier::verify(const proto::Block& block, proto::BlockHeader header,
                                            const DeviceId& device,
                                            const platform::Verifier& device_key,
                                            BlockFault* fault) const {
  BlockFault stage = BlockFault::kFormat;
  auto verified = check(block, std::move(header), device, device_key, stage);
  if (!verified && fault != nullptr) *fault = stage;
  return verified;
}

Result<VerifiedBlock> BlockVerifier::check(const proto::Block& block, proto::BlockHeader header,
                                           const DeviceId& device,
                                           const platform::Verifier& device_key,
                                           BlockFault& stage) const {
  VerifiedBlock verified;
  verified.header = std::move(header);
  const proto::BlockHeader& h = verified.header;
  VS_TRY(check_header_fields(h, device, stage));
  stage = BlockFault::kFormat;

  verified.hash = sha_.digest(block.header);
  if (block.signature.size() != proto::kSignatureSize) {
    return Error(ErrorCode::kMalformed, "block signature is not 64 bytes");
  }
  stage = BlockFault::kSignature;
  if (auto signed_ok = device_key.verify(verified.hash, ByteView(block.signature)); !signed_ok) {
    return Error(ErrorCode::kIntegrity, "block signature does not verify with the device key",
                 signed_ok.error().native_code());
  }
  // Signed by the device: whatever is wrong from here on is its content.
  stage = BlockFault::kContent;

  std::size_t count = block.entries.size();
  if (count != h.entry_count) {
    return Error(ErrorCode::kIntegrity,
                 "block carries a different number of entries than its header");
  }
  if (block.blindings.size() != count) {
    return Error(ErrorCode::kMalformed, "block does not carry one blinding per entry");
  }
  bool has_entry_signatures = !block.entry_signatures.empty();
  if (has_entry_signatures && block.entry_signatures.size() != count) {
    return Error(ErrorCode::kMalformed, "block carries entry signatures for only some entries");
  }

  std::vector<Digest> leaves;
  leaves.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (block.blindings[i].size() != EntryLeaf::kBlindingSize) {
      return Error(ErrorCode::kMalformed, "blinding is not 32 bytes")
          .about("entry " + std::to_string(i));
    }
    leaves.push_back(EntryLeaf::hash(sha_, block.blindings[i], block.entries[i]));
  }
  Digest root = Merkle(sha_).root(leaves);
  if (!equal(root, h.entries_root)) {
    return Error(ErrorCode::kIntegrity, "entries do not match the header's entries root");
  }

  verified.entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    // Named only on failure: formatting it for every entry cost more than
    // checking its seq.
    auto where = [i] { return "entry " + std::to_string(i); };
    auto entry = proto::WireCodec::decode_entry(block.entries[i]);
    if (!entry) return std::move(entry).error().about(where());
    if (entry->seq != h.first_seq + i) {
      return Error(ErrorCode::kIntegrity, "entry seq is not the header's next seq").about(where());
    }
    if (has_entry_signatures && !block.entry_signatures[i].empty()) {
      const Bytes& signature = block.entry_signatures[i];
      if (signature.size() != proto::kSignatureSize) {
        return Error(ErrorCode::kMalformed, "entry signature is not 64 bytes").about(where());
      }
      if (auto ok = device_key.verify(sha_.digest(block.entries[i]), ByteView(signature)); !ok) {
        return Error(ErrorCode::kIntegrity, "entry signature does not verify with the device key")
            .about(where());
      }
    }
    verified.entries.push_back(std::move(entry).value());
  }
  if (verified.entries.front().time_ms != h.first_time_ms ||
      verified.entries.back().time_ms != h.last_time_ms) {
    return Error(ErrorCode::kIntegrity, "entry times do not match the header's time range");
  }
  return verified;
}

}  // namespace vs::chain
