#include "vs/chain/receipt_signer.h"

#include "vs/chain/receipt_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::chain {

Result<proto::Receipt> ReceiptSigner::sign(const proto::ReceiptBody& body) {
  proto::Receipt receipt;
  VS_TRY_ASSIGN(receipt.body, proto::WireCodec::encode(body));
  VS_TRY_ASSIGN(platform::Signature signature, gateway_key_.sign(sha_.digest(receipt.body)));
  receipt.signature.assign(signature.begin(), signature.end());
  receipt.gateway_key_id = ReceiptVerifier::key_id(sha_, gateway_key_.public_key());
  return receipt;
}

Result<Bytes> ReceiptSigner::sign_encoded(const proto::ReceiptBody& body) {
  VS_TRY_ASSIGN(proto::Receipt receipt, sign(body));
  return proto::WireCodec::encode(receipt);
}

Result<Bytes> ReceiptSigner::sign_encoded(const proto::ResendRequest& request) {
  proto::SignedResendRequest signed_request;
  VS_TRY_ASSIGN(signed_request.body, proto::WireCodec::encode(request));
  VS_TRY_ASSIGN(platform::Signature signature, gateway_key_.sign(sha_.digest(signed_request.body)));
  signed_request.signature.assign(signature.begin(), signature.end());
  signed_request.gateway_key_id = ReceiptVerifier::key_id(sha_, gateway_key_.public_key());
  return proto::WireCodec::encode(signed_request);
}

}  // namespace vs::chain
