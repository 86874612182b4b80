#include "vs/agent/receipt_intake.h"

#include "vs/chain/opened_block.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {

ReceiptIntake::Taken ReceiptIntake::take(ByteView payload) {
  Taken taken;
  auto refuse = [&](std::string why) {
    taken.reason = std::move(why);
    return taken;
  };
  if (receipts_ == nullptr) return refuse("no gateway public key is configured");
  auto receipt = proto::WireCodec::decode_receipt(payload);
  if (!receipt) return refuse(receipt.error().message());
  auto body = proto::WireCodec::decode_receipt_body(receipt->body);
  if (!body) return refuse(body.error().message());
  taken.height = body->block_height;
  std::string at = "height " + std::to_string(taken.height) + ": ";
  auto block = chain_.block(taken.height);
  if (!block || !block->has_value())
    return refuse("no stored block at height " + std::to_string(taken.height));
  auto opened = chain::OpenedBlock::open(sha_, **block);
  if (!opened) return refuse(at + opened.error().message());
  auto verified = receipts_->verify(*receipt, {chain_.device_id(), taken.height, opened->hash});
  if (!verified) return refuse(at + verified.error().message());
  taken.batch_id = verified->batch_id;
  auto accepted = chain_.accept_receipt(taken.height, payload, *verified);
  if (!accepted) {
    if (accepted.error().code() == ErrorCode::kConflict) taken.outcome = Outcome::kStale;
    return refuse(at + accepted.error().message());
  }
  taken.outcome = *accepted == DeviceChain::ReceiptOutcome::kUnchanged ? Outcome::kRepeated
                                                                       : Outcome::kAccepted;
  return taken;
}

}  // namespace vs::agent
