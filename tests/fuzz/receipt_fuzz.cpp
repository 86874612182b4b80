// Outside bytes: a Receipt as it arrives on vs/v1/{device}/receipts.
// Promise: verify() never crashes, a body that decodes is canonical, and a
// receipt only verifies for the block whose hash its signed body names.
#include <cstddef>
#include <cstdint>

#include "fuzz_context.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/proto/wire_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& context = vs::fuzz::FuzzContext::get();
  vs::ByteView input(data, size);
  auto receipt = vs::proto::WireCodec::decode_receipt(input);
  if (!receipt) return 0;
  auto body = vs::proto::WireCodec::decode_receipt_body(receipt->body);
  if (!body) return 0;
  // A signed body is canonical: it is what encoding it again gives.
  auto again = vs::proto::WireCodec::encode(*body);
  if (!again || !vs::equal(*again, receipt->body)) __builtin_trap();
  if (body->block_hash.size() != 32) return 0;
  vs::chain::ReceiptSubject subject{context.device, body->block_height, {}};
  std::copy(body->block_hash.begin(), body->block_hash.end(), subject.block_hash.begin());
  vs::chain::ReceiptVerifier verifier(context.sha, *context.gateway_key,
                                      context.gateway_public_key);
  auto checked = verifier.verify(*receipt, subject);
  if (checked && !vs::equal(checked->block_hash, subject.block_hash)) __builtin_trap();
  subject.block_hash[0] ^= 0x01;
  if (verifier.verify(*receipt, subject)) __builtin_trap();
  return 0;
}
