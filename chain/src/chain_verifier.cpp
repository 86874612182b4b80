#include "vs/chain/chain_verifier.h"

#include <algorithm>
#include <string>

#include "vs/proto/wire_codec.h"

namespace vs::chain {

Bytes ChainTip::encode() const {
  Bytes value(48);
  put_u64_be(height, value.data());
  std::copy(hash.begin(), hash.end(), value.begin() + 8);
  put_u64_be(last_seq, value.data() + 40);
  return value;
}

Result<ChainTip> ChainTip::decode(ByteView stored) {
  if (stored.size() != 48) return Error(ErrorCode::kMalformed, "stored chain tip is not 48 bytes");
  ChainTip tip;
  tip.height = get_u64_be(stored.data());
  std::copy(stored.begin() + 8, stored.begin() + 40, tip.hash.begin());
  tip.last_seq = get_u64_be(stored.data() + 40);
  return tip;
}

Result<ChainVerifier> ChainVerifier::from_genesis(const platform::Sha256& sha,
                                                  const platform::VerifierFactory& keys,
                                                  ByteView first_public_key) {
  ChainVerifier verifier(sha, keys);
  VS_TRY_ASSIGN(auto key, keys.make_verifier(first_public_key));
  verifier.device_ = DeviceId::from_public_key(sha, first_public_key);
  verifier.keys_.push_back(std::move(key));
  verifier.public_keys_.emplace_back(first_public_key.begin(), first_public_key.end());
  return verifier;
}

Result<ChainVerifier> ChainVerifier::resume(const platform::Sha256& sha,
                                            const platform::VerifierFactory& keys,
                                            std::span<const Bytes> public_keys,
                                            const ChainTip& tip) {
  if (public_keys.empty()) {
    return Error(ErrorCode::kInvalidArgument, "resuming a chain needs the device's keys");
  }
  VS_TRY_ASSIGN(ChainVerifier verifier, from_genesis(sha, keys, public_keys.front()));
  for (std::size_t i = 1; i < public_keys.size(); ++i) {
    VS_TRY_ASSIGN(auto key, keys.make_verifier(public_keys[i]));
    verifier.keys_.push_back(std::move(key));
    verifier.public_keys_.push_back(public_keys[i]);
  }
  verifier.tip_ = tip;
  return verifier;
}

Status ChainVerifier::check_link(const proto::BlockHeader& header) const {
  if (!tip_) {
    if (header.height != 0) return Error(ErrorCode::kIntegrity, "chain does not start at height 0");
    if (header.first_seq != 0) return Error(ErrorCode::kIntegrity, "chain does not start at seq 0");
    return {};
  }
  if (header.height != tip_->height + 1) {
    return Error(ErrorCode::kIntegrity, header.height <= tip_->height
                                            ? "block is at or below the chain's tip (replay?)"
                                            : "block leaves a gap after the chain's tip");
  }
  if (!equal(header.previous_hash, tip_->hash)) {
    return Error(ErrorCode::kIntegrity, "previous hash is not the hash of the tip block");
  }
  if (header.first_seq != tip_->last_seq + 1) {
    return Error(ErrorCode::kIntegrity, "first seq does not follow the tip's last seq");
  }
  return {};
}

Status ChainVerifier::adopt_rotations(const VerifiedBlock& block,
                                      std::vector<RotatedKey>& added) const {
  for (const proto::Entry& entry : block.entries) {
    const auto* event = std::get_if<proto::Event>(&entry.body);
    if (event == nullptr || event->kind != proto::EventKind::kKeyRotation) continue;
    if (event->key_index != keys_.size() + added.size()) {
      return Error(ErrorCode::kIntegrity, "key rotation does not name the next key index");
    }
    auto key = factory_->make_verifier(event->public_key);
    if (!key) return std::move(key).error().about("key rotation");
    added.push_back({std::move(key).value(), event->public_key});
  }
  return {};
}

Result<VerifiedBlock> ChainVerifier::append(ByteView encoded_block, BlockFault* fault) {
  auto block = proto::WireCodec::decode_block(encoded_block);
  if (!block) {
    if (fault != nullptr) *fault = BlockFault::kFormat;
    std::string where = tip_ ? "block after height " + std::to_string(tip_->height) : "first block";
    return std::move(block).error().about(where);
  }
  return append(*block, fault);
}

Result<VerifiedBlock> ChainVerifier::append(const proto::Block& block, BlockFault* fault) {
  auto header = proto::WireCodec::decode_block_header(block.header);
  if (!header) {
    if (fault != nullptr) *fault = BlockFault::kFormat;
    std::string where = tip_ ? "block after height " + std::to_string(tip_->height) : "first block";
    return std::move(header).error().about(where + ": header");
  }
  return append(block, std::move(header).value(), fault);
}

Result<VerifiedBlock> ChainVerifier::append(const proto::Block& block, proto::BlockHeader header,
                                            BlockFault* fault) {
  auto failed = [&](BlockFault why, Error error) -> Result<VerifiedBlock> {
    if (fault != nullptr) *fault = why;
    return error;
  };
  // The key index is read before the signature is checked only to pick
  // which key must have signed; BlockVerifier then proves it.
  std::string where = "height " + std::to_string(header.height);
  if (header.key_index != key_index()) {
    return failed(BlockFault::kSignature,
                  Error(ErrorCode::kIntegrity,
                        "block is signed with a key index other than the device's current key")
                      .about(where));
  }
  BlockFault block_fault = BlockFault::kNone;
  auto verified =
      BlockVerifier(*sha_).verify(block, std::move(header), device_, *keys_.back(), &block_fault);
  if (!verified) return failed(block_fault, std::move(verified).error().about(where));
  if (auto linked = check_link(verified->header); !linked) {
    return failed(BlockFault::kLink, std::move(linked).error().about(where));
  }
  std::vector<RotatedKey> added;
  if (auto rotated = adopt_rotations(*verified, added); !rotated) {
    return failed(BlockFault::kContent, std::move(rotated).error().about(where));
  }
  for (RotatedKey& key : added) {
    keys_.push_back(std::move(key.verifier));
    public_keys_.push_back(std::move(key.public_key));
  }
  tip_ = ChainTip{verified->header.height, verified->hash, verified->header.last_seq};
  return verified;
}

}  // namespace vs::chain
