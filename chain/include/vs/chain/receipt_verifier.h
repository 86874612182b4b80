#pragma once

#include "vs/chain/device_id.h"
#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"
#include "vs/platform/verifier.h"
#include "vs/proto/control.h"
#include "vs/proto/receipt.h"

namespace vs::chain {

// The block a receipt must be about.
struct ReceiptSubject {
  DeviceId device;
  std::uint64_t height = 0;
  Digest block_hash{};
};

// Which part of a receipt failed: its signature or form, what it is about,
// or the block's path to the batch root.
enum class ReceiptFault : std::uint8_t { kNone, kReceipt, kBatchPath };

// Checks what a gateway signs for a device. A receipt, before the device
// retires a block: the gateway's key id and signature over the exact body
// bytes, that the body is about this block, and for an anchored or final
// receipt that the block hash is included in the batch root. Whether the
// root is really on the ledger is the `vitalsign verify --ledger` step.
// A resend request: the same key and signature checks, and that it is
// addressed to this device (its time and nonce are the agent's to judge).
class ReceiptVerifier {
 public:
  ReceiptVerifier(const platform::Sha256& sha, const platform::Verifier& gateway_key,
                  ByteView gateway_public_key);

  // On error, `fault` (when given) says which part failed.
  Result<proto::ReceiptBody> verify(const proto::Receipt& receipt, const ReceiptSubject& subject,
                                    ReceiptFault* fault = nullptr) const;
  Result<proto::ReceiptBody> verify(ByteView encoded_receipt, const ReceiptSubject& subject,
                                    ReceiptFault* fault = nullptr) const;
  Result<proto::ResendRequest> verify_resend(ByteView encoded_signed_request,
                                             const DeviceId& device) const;

  // The 16-byte id a receipt names its signing key by.
  static Bytes key_id(const platform::Sha256& sha, ByteView gateway_public_key);

 private:
  Result<proto::ReceiptBody> check(const proto::Receipt& receipt, const ReceiptSubject& subject,
                                   ReceiptFault& stage) const;
  struct SignatureErrors {
    const char* other_key;
    const char* bad_size;
    const char* no_match;
  };
  Status check_signature(ByteView key_id, ByteView signature, ByteView body,
                         const SignatureErrors& errors) const;

  const platform::Sha256& sha_;
  const platform::Verifier& gateway_key_;
  Bytes gateway_key_id_;
};

}  // namespace vs::chain
