// A stand-in gateway for agent integration tests, over a real broker: it
// follows each device's chain with the real verifier and answers every
// verified block with a signed, anchored receipt (a batch of one block).
// Blocks can arrive out of order around a reconnect (Paho retransmits its
// in-flight messages while the agent republishes from its store): a block
// past a gap is held until the gap fills. The real gateway (gateway/)
// replaces this in end-to-end tests.
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "vs/chain/chain_verifier.h"
#include "vs/chain/merkle.h"
#include "vs/chain/receipt_signer.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/platform/paho_transport.h"
#include "vs/platform/wire_codec.h"

namespace vs::testing {

class TestGateway {
 public:
  TestGateway() : key_(platform::MbedtlsSigner::generate().value()) {}
  ~TestGateway() { transport_.stop(std::chrono::milliseconds(100)); }

  std::string public_key_pem() const { return key_->public_key_pem().value(); }

  void enrol(ByteView device_public_key) {
    std::lock_guard lock(mutex_);
    auto follower = chain::ChainVerifier::from_genesis(sha_, keys_, device_public_key).value();
    std::string id = follower.device().hex();
    devices_.emplace(id, Device{std::move(follower), {}, 0, 0, {}, {}});
  }

  Status start(platform::TransportOptions options, const std::string& prefix = "vs/v1") {
    prefix_ = prefix;
    VS_TRY(transport_.start(
        options, [this](platform::TransportMessage message) { on_block(std::move(message)); },
        [](bool) {}));
    return transport_.subscribe(prefix + "/+/blocks", 1);
  }
  void stop() { transport_.stop(std::chrono::milliseconds(200)); }

  struct Seen {
    std::uint64_t verified_blocks = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t rejected = 0;
    std::optional<std::uint64_t> tip;
    std::string last_rejection;
  };
  Seen seen(const std::string& device_hex) {
    std::lock_guard lock(mutex_);
    Seen out;
    auto it = devices_.find(device_hex);
    if (it == devices_.end()) return out;
    out.verified_blocks = it->second.hashes.size();
    out.duplicates = it->second.duplicates;
    out.rejected = it->second.rejected;
    out.last_rejection = it->second.last_rejection;
    if (it->second.follower.tip()) out.tip = it->second.follower.tip()->height;
    return out;
  }

 private:
  struct Device {
    chain::ChainVerifier follower;
    std::map<std::uint64_t, Digest> hashes;
    std::uint64_t duplicates = 0;
    std::uint64_t rejected = 0;
    std::string last_rejection;
    std::map<std::uint64_t, proto::Block> held;  // past a gap, waiting
  };

  void on_block(platform::TransportMessage message) {
    // topic: <prefix>/<device>/blocks
    std::string rest = message.topic.substr(prefix_.size() + 1);
    std::string device_hex = rest.substr(0, rest.find('/'));
    std::lock_guard lock(mutex_);
    auto it = devices_.find(device_hex);
    if (it == devices_.end()) return;
    Device& device = it->second;
    auto block = platform::WireCodec::decode_block(message.payload);
    if (!block) return reject(device, block.error().message());
    auto header = platform::WireCodec::decode_block_header(block->header);
    if (!header) return reject(device, header.error().message());
    Digest hash = sha_.digest(block->header);
    auto known = device.hashes.find(header->height);
    if (known != device.hashes.end()) {
      if (known->second != hash) return reject(device, "equivocation");
      ++device.duplicates;
      return send_receipt(device_hex, header->height, hash);  // idempotent
    }
    std::uint64_t next = device.follower.tip() ? device.follower.tip()->height + 1 : 0;
    if (header->height > next) {
      device.held.emplace(header->height, std::move(block).value());
      return;
    }
    accept(device_hex, device, *block, header->height, hash);
    // The gap may now be filled.
    while (!device.held.empty() &&
           device.held.begin()->first == device.follower.tip()->height + 1) {
      proto::Block held = std::move(device.held.begin()->second);
      std::uint64_t height = device.held.begin()->first;
      device.held.erase(device.held.begin());
      accept(device_hex, device, held, height, sha_.digest(held.header));
    }
  }

  void accept(const std::string& device_hex, Device& device, const proto::Block& block,
              std::uint64_t height, const Digest& hash) {
    auto verified = device.follower.append(block);
    if (!verified) return reject(device, verified.error().message());
    device.hashes[height] = hash;
    send_receipt(device_hex, height, hash);
  }

  void reject(Device& device, const std::string& why) {
    ++device.rejected;
    device.last_rejection = why;
  }

  void send_receipt(const std::string& device_hex, std::uint64_t height, const Digest& hash) {
    chain::Merkle merkle(sha_);
    Digest root = merkle.root(std::vector<Digest>{merkle.leaf_hash(hash)});
    proto::ReceiptBody body;
    body.version = 1;
    body.device_id = from_hex(device_hex).value();
    body.block_height = height;
    body.block_hash.assign(hash.begin(), hash.end());
    body.state = proto::ReceiptState::kAnchored;
    body.batch_id = ++batch_id_;
    body.batch_root.assign(root.begin(), root.end());
    body.batch_size = 1;
    body.leaf_index = 0;
    body.ledger.kind = proto::LedgerKind::kLocal;
    body.ledger.chain_id = "test";
    body.ledger.ledger_height = batch_id_;
    Bytes bytes = chain::ReceiptSigner(sha_, *key_).sign_encoded(body).value();
    (void)transport_.publish(prefix_ + "/" + device_hex + "/receipts", bytes, 1, false, nullptr);
  }

  std::unique_ptr<platform::MbedtlsSigner> key_;
  platform::OpensslSha256 sha_;
  platform::OpensslVerifierFactory keys_;
  platform::PahoTransport transport_;
  std::string prefix_;
  std::mutex mutex_;
  std::map<std::string, Device> devices_;
  std::uint64_t batch_id_ = 0;
};

}  // namespace vs::testing
