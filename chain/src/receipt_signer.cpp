#include "vs/chain/receipt_signer.h"

#include "vs/chain/receipt_verifier.h"
#include "vs/platform/clock.h"
#include "vs/proto/wire_codec.h"

namespace vs::chain {

void ReceiptSigner::use_keys(GatewayKeySet trusted, HeldKeys held) {
  trusted_ = std::move(trusted);
  held_ = std::move(held);
}

Result<platform::Signer*> ReceiptSigner::key_at(std::uint64_t time_ms) {
  if (trusted_.empty()) return &gateway_key_;
  const GatewayKey* valid = trusted_.signing_key_at(
      time_ms, [this](const GatewayKey& key) { return held_.contains(key.name); });
  if (valid == nullptr)
    return Error(ErrorCode::kInvalidArgument, "no gateway key this gateway holds is valid then")
        .about(platform::utc_text(time_ms));
  return held_.find(valid->name)->second;
}

Result<proto::Receipt> ReceiptSigner::sign(const proto::ReceiptBody& body) {
  VS_TRY_ASSIGN(platform::Signer * key, key_at(body.issued_time_ms));
  proto::Receipt receipt;
  VS_TRY_ASSIGN(receipt.body, proto::WireCodec::encode(body));
  VS_TRY_ASSIGN(platform::Signature signature, key->sign(sha_.digest(receipt.body)));
  receipt.signature.assign(signature.begin(), signature.end());
  receipt.gateway_key_id = ReceiptVerifier::key_id(sha_, key->public_key());
  return receipt;
}

Result<Bytes> ReceiptSigner::sign_encoded(const proto::ReceiptBody& body) {
  VS_TRY_ASSIGN(proto::Receipt receipt, sign(body));
  return proto::WireCodec::encode(receipt);
}

Result<Bytes> ReceiptSigner::sign_encoded(const proto::ResendRequest& request) {
  VS_TRY_ASSIGN(platform::Signer * key, key_at(request.time_ms));
  proto::SignedResendRequest signed_request;
  VS_TRY_ASSIGN(signed_request.body, proto::WireCodec::encode(request));
  VS_TRY_ASSIGN(platform::Signature signature, key->sign(sha_.digest(signed_request.body)));
  signed_request.signature.assign(signature.begin(), signature.end());
  signed_request.gateway_key_id = ReceiptVerifier::key_id(sha_, key->public_key());
  return proto::WireCodec::encode(signed_request);
}

}  // namespace vs::chain
