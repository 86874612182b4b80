// The wire format (nanopb) behind one narrow interface. Every decode of
// outside bytes is bounded (vs/proto/limits.h) and returns kMalformed with
// the field at fault; it never asserts.
#pragma once

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/proto/block.h"
#include "vs/proto/control.h"
#include "vs/proto/entry.h"
#include "vs/proto/receipt.h"

namespace vs::proto {

class WireCodec {
 public:
  static Result<Bytes> encode(const proto::Entry& entry);
  static Result<Bytes> encode(const proto::BlockHeader& header);
  static Result<Bytes> encode(const proto::Block& block);
  static Result<Bytes> encode(const proto::ReceiptBody& body);
  static Result<Bytes> encode(const proto::Receipt& receipt);
  static Result<Bytes> encode(const proto::ResendRequest& request);
  static Result<Bytes> encode(const proto::SignedResendRequest& request);
  static Result<Bytes> encode(const proto::Status& status);
  static Result<Bytes> encode(const proto::LiveReading& live);
  static Result<Bytes> encode(const proto::ResentBlock& resent);

  static Result<proto::Entry> decode_entry(ByteView bytes);
  static Result<proto::BlockHeader> decode_block_header(ByteView bytes);
  static Result<proto::Block> decode_block(ByteView bytes);
  static Result<proto::ReceiptBody> decode_receipt_body(ByteView bytes);
  static Result<proto::Receipt> decode_receipt(ByteView bytes);
  static Result<proto::ResendRequest> decode_resend_request(ByteView bytes);
  static Result<proto::SignedResendRequest> decode_signed_resend_request(ByteView bytes);
  static Result<proto::Status> decode_status(ByteView bytes);
  static Result<proto::LiveReading> decode_live_reading(ByteView bytes);
  // Both fields present; the block within kMaxBlockBytes (it is opened and
  // verified as any block), the receipt within kMaxReceiptBytes.
  static Result<proto::ResentBlock> decode_resent_block(ByteView bytes);
};

}  // namespace vs::proto
