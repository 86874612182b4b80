// A receipt for one block of a device's chain, anchored in a batch of its
// own (the root is the block's leaf hash), signed by `signer` and naming
// the key id of `gateway_public_key`: the gateway's receipt when `signer`
// is the gateway key, a forgery otherwise.
#pragma once

#include <vector>

#include "vs/agent/device_chain.h"
#include "vs/chain/merkle.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/platform/sha256.h"
#include "vs/platform/signer.h"
#include "vs/proto/wire_codec.h"

namespace vs::testing {

inline Bytes single_block_receipt(const platform::Sha256& sha, const agent::DeviceChain& chain,
                                  std::uint64_t height, proto::ReceiptState state,
                                  std::uint64_t batch_id, platform::Signer& signer,
                                  ByteView gateway_public_key) {
  auto block = proto::WireCodec::decode_block(chain.block(height).value().value()).value();
  Digest hash = sha.digest(block.header);
  chain::Merkle merkle(sha);
  Digest root = merkle.root(std::vector<Digest>{merkle.leaf_hash(hash)});
  proto::ReceiptBody body;
  body.version = 1;
  body.device_id.assign(chain.device_id().bytes().begin(), chain.device_id().bytes().end());
  body.block_height = height;
  body.block_hash.assign(hash.begin(), hash.end());
  body.state = state;
  body.batch_id = batch_id;
  body.batch_root.assign(root.begin(), root.end());
  body.batch_size = 1;
  body.ledger.kind = proto::LedgerKind::kLocal;
  proto::Receipt receipt;
  receipt.body = proto::WireCodec::encode(body).value();
  auto signature = signer.sign(sha.digest(receipt.body)).value();
  receipt.signature.assign(signature.begin(), signature.end());
  receipt.gateway_key_id = chain::ReceiptVerifier::key_id(sha, gateway_public_key);
  return proto::WireCodec::encode(receipt).value();
}

}  // namespace vs::testing
