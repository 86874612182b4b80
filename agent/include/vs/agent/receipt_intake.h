#pragma once

#include <cstdint>
#include <string>

#include "vs/agent/device_chain.h"
#include "vs/chain/receipt_verifier.h"
#include "vs/platform/sha256.h"

namespace vs::agent {

// A receipt from the uplink, checked before the chain keeps it: it decodes,
// names a block this device stored, is signed by the trusted gateway key
// over the exact body bytes, is about that very block (its hash from the
// stored header), and is not older than the receipt already held. Whoever
// can write this device's topics can send it anything: nothing that fails
// is stored, and the outcome says why.
class ReceiptIntake {
 public:
  // `receipts` null: no gateway key is configured, every receipt is refused.
  ReceiptIntake(DeviceChain& chain, const chain::ReceiptVerifier* receipts,
                const platform::Sha256& sha)
      : chain_(chain), receipts_(receipts), sha_(sha) {}

  enum class Outcome : std::uint8_t {
    kAccepted,  // stored (its state moved forward)
    kRepeated,  // the receipt already held: nothing written
    kStale,     // verified, but older than the one held: refused
    kRejected,  // failed a check: refused
  };
  struct Taken {
    Outcome outcome = Outcome::kRejected;
    std::uint64_t height = 0;
    std::uint64_t batch_id = 0;
    std::string reason;  // why it was refused
  };
  Taken take(ByteView payload);

 private:
  DeviceChain& chain_;
  const chain::ReceiptVerifier* receipts_;
  const platform::Sha256& sha_;
};

}  // namespace vs::agent
