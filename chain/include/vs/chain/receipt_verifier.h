#pragma once

#include "vs/chain/device_id.h"
#include "vs/chain/gateway_key_set.h"
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
// The key is one of the trusted gateway keys, and the receipt's (request's)
// time must fall in that key's window.
class ReceiptVerifier {
 public:
  // One key, valid at any time; `gateway_key` must outlive this.
  ReceiptVerifier(const platform::Sha256& sha, const platform::Verifier& gateway_key,
                  ByteView gateway_public_key);
  // `gateway_keys` must outlive this; it may be replaced in place (a
  // reloaded file) between calls.
  ReceiptVerifier(const platform::Sha256& sha, const GatewayKeySet& gateway_keys);
  ReceiptVerifier(const ReceiptVerifier&) = delete;  // may refer to its own member
  ReceiptVerifier& operator=(const ReceiptVerifier&) = delete;

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
  // The trusted key that signed `body`, before its time is known.
  Result<const GatewayKey*> check_signature(ByteView key_id, ByteView signature, ByteView body,
                                            const SignatureErrors& errors) const;
  static Status check_window(const GatewayKey& key, std::uint64_t time_ms, const char* what);

  const platform::Sha256& sha_;
  GatewayKeySet one_key_;  // the set the one-key constructor makes
  const GatewayKeySet& gateway_keys_;
};

}  // namespace vs::chain
