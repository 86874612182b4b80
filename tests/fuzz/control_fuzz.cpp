// Outside bytes: SignedResendRequest and the ResendRequest inside it (gateway ->
// agent), Status (agent -> broker) and ResentBlock (agent -> gateway; the
// block and receipt inside go through the block and receipt targets).
#include <cstddef>
#include <cstdint>

#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vs::ByteView input(data, size);
  auto request = vs::proto::WireCodec::decode_resend_request(input);
  if (request && request->from_height > request->to_height) __builtin_trap();
  auto signed_request = vs::proto::WireCodec::decode_signed_resend_request(input);
  if (signed_request &&
      (signed_request->body.size() > 160 || signed_request->signature.size() > 64 ||
       signed_request->gateway_key_id.size() > 16)) {
    __builtin_trap();
  }
  (void)vs::proto::WireCodec::decode_status(input);
  auto resent = vs::proto::WireCodec::decode_resent_block(input);
  if (resent && (resent->block.empty() || resent->receipt.empty() ||
                 resent->block.size() > vs::proto::kMaxBlockBytes ||
                 resent->receipt.size() > vs::proto::kMaxReceiptBytes))
    __builtin_trap();
  return 0;
}
