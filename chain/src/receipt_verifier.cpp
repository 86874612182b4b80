#include "vs/chain/receipt_verifier.h"

#include "vs/chain/merkle.h"
#include "vs/platform/clock.h"
#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

namespace vs::chain {

ReceiptVerifier::ReceiptVerifier(const platform::Sha256& sha, const platform::Verifier& gateway_key,
                                 ByteView gateway_public_key)
    : sha_(sha),
      one_key_(GatewayKeySet::one(sha, gateway_key, gateway_public_key)),
      gateway_keys_(one_key_) {}

ReceiptVerifier::ReceiptVerifier(const platform::Sha256& sha, const GatewayKeySet& gateway_keys)
    : sha_(sha), gateway_keys_(gateway_keys) {}

Bytes ReceiptVerifier::key_id(const platform::Sha256& sha, ByteView gateway_public_key) {
  Digest digest = sha.digest(gateway_public_key);
  return Bytes(digest.begin(), digest.begin() + DeviceId::kSize);
}

Result<proto::ReceiptBody> ReceiptVerifier::verify(ByteView encoded_receipt,
                                                   const ReceiptSubject& subject,
                                                   ReceiptFault* fault) const {
  auto receipt = proto::WireCodec::decode_receipt(encoded_receipt);
  if (!receipt) {
    if (fault != nullptr) *fault = ReceiptFault::kReceipt;
    return std::move(receipt).error();
  }
  return verify(*receipt, subject, fault);
}

Result<const GatewayKey*> ReceiptVerifier::check_signature(ByteView key_id, ByteView signature,
                                                           ByteView body,
                                                           const SignatureErrors& errors) const {
  const GatewayKey* key = gateway_keys_.find(key_id);
  if (key == nullptr) return Error(ErrorCode::kIntegrity, errors.other_key);
  if (signature.size() != proto::kSignatureSize) {
    return Error(ErrorCode::kMalformed, errors.bad_size);
  }
  if (!key->verifier->verify(sha_.digest(body), signature)) {
    return Error(ErrorCode::kIntegrity, errors.no_match);
  }
  return key;
}

Status ReceiptVerifier::check_window(const GatewayKey& key, std::uint64_t time_ms,
                                     const char* what) {
  if (key.valid_at(time_ms)) return {};
  return Error(ErrorCode::kIntegrity, what)
      .about("issued " + platform::utc_text(time_ms) + ", gateway key " + key.describe());
}

Result<proto::ResendRequest> ReceiptVerifier::verify_resend(ByteView encoded_signed_request,
                                                            const DeviceId& device) const {
  VS_TRY_ASSIGN(proto::SignedResendRequest signed_request,
                proto::WireCodec::decode_signed_resend_request(encoded_signed_request));
  VS_TRY_ASSIGN(
      const GatewayKey* key,
      check_signature(signed_request.gateway_key_id, signed_request.signature, signed_request.body,
                      {"resend request names a gateway key other than the trusted ones",
                       "resend request signature is not 64 bytes",
                       "resend request signature does not verify with the gateway key"}));
  auto decoded = proto::WireCodec::decode_resend_request(signed_request.body);
  if (!decoded) return std::move(decoded).error().about("resend request body");
  if (decoded->version != proto::kControlVersion) {
    return Error(ErrorCode::kUnsupported, "resend request version is not 1");
  }
  VS_TRY(check_window(*key, decoded->time_ms,
                      "resend request was signed outside its gateway key's validity window"));
  if (!equal(decoded->device_id, device.bytes())) {
    return Error(ErrorCode::kIntegrity, "resend request is for another device");
  }
  return decoded;
}

Result<proto::ReceiptBody> ReceiptVerifier::verify(const proto::Receipt& receipt,
                                                   const ReceiptSubject& subject,
                                                   ReceiptFault* fault) const {
  ReceiptFault stage = ReceiptFault::kReceipt;
  auto checked = check(receipt, subject, stage);
  if (!checked && fault != nullptr) *fault = stage;
  return checked;
}

Result<proto::ReceiptBody> ReceiptVerifier::check(const proto::Receipt& receipt,
                                                  const ReceiptSubject& subject,
                                                  ReceiptFault& stage) const {
  VS_TRY_ASSIGN(const GatewayKey* key,
                check_signature(receipt.gateway_key_id, receipt.signature, receipt.body,
                                {"receipt names a gateway key other than the trusted ones",
                                 "receipt signature is not 64 bytes",
                                 "receipt signature does not verify with the gateway key"}));
  auto decoded = proto::WireCodec::decode_receipt_body(receipt.body);
  if (!decoded) return std::move(decoded).error().about("receipt body");
  proto::ReceiptBody body = std::move(decoded).value();
  if (body.version != proto::kReceiptVersion) {
    return Error(ErrorCode::kUnsupported, "receipt version is not 1");
  }
  VS_TRY(check_window(*key, body.issued_time_ms,
                      "receipt was issued outside its gateway key's validity window"));
  if (!equal(body.device_id, subject.device.bytes())) {
    return Error(ErrorCode::kIntegrity, "receipt is for another device");
  }
  if (body.block_height != subject.height) {
    return Error(ErrorCode::kIntegrity, "receipt is for another height");
  }
  if (!equal(body.block_hash, subject.block_hash)) {
    return Error(ErrorCode::kIntegrity, "receipt is for another block at this height");
  }
  if (body.state == proto::ReceiptState::kPending) return body;

  if (body.batch_root.size() != proto::kHashSize) {
    return Error(ErrorCode::kMalformed, "receipt batch root is not 32 bytes");
  }
  if (body.ledger.kind == proto::LedgerKind::kUnspecified) {
    return Error(ErrorCode::kMalformed, "anchored receipt names no ledger");
  }
  stage = ReceiptFault::kBatchPath;
  std::vector<Digest> path;
  path.reserve(body.inclusion_path.size());
  for (const Bytes& hash : body.inclusion_path) {
    VS_TRY_ASSIGN(Digest node, to_array<32>(hash, "receipt inclusion path hash is not 32 bytes"));
    path.push_back(node);
  }
  VS_TRY_ASSIGN(Digest batch_root,
                to_array<32>(body.batch_root, "receipt batch root is not 32 bytes"));
  Merkle merkle(sha_);
  auto included = merkle.verify_inclusion(merkle.leaf_hash(subject.block_hash), body.leaf_index,
                                          body.batch_size, path, batch_root);
  if (!included) return std::move(included).error().about("receipt batch path");
  stage = ReceiptFault::kNone;
  return body;
}

}  // namespace vs::chain
