#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "vs/chain/gateway_key_set.h"
#include "vs/chain/receipt_signer.h"
#include "vs/gateway/gateway_config.h"
#include "vs/platform/key_store.h"
#include "vs/platform/watched_file.h"

namespace vs::gateway {

// The gateway's own keys across rotations. Without a trusted gateway keys
// file (GatewayConfig::trusted_keys_path) the key keys.name signs at any
// time. With one, every key it lists is trusted for the receipts devices
// send back and for an audit, each within its window, and receipts are
// signed by the newest listed key valid at their time whose private key the
// key store holds: a rotation planned for a time takes effect then, and a
// file replaced while the gateway runs is read again.
class GatewayKeyRing {
 public:
  // kInvalidArgument when no key the store holds is valid at `now_ms`.
  static Result<std::unique_ptr<GatewayKeyRing>> open(const GatewayConfig& config,
                                                      platform::KeyStore& key_store,
                                                      const platform::Sha256& sha,
                                                      const platform::VerifierFactory& verifiers,
                                                      std::uint64_t now_ms);
  // The keys trusted now; the same object across reloads (a ReceiptVerifier
  // may keep a reference).
  const chain::GatewayKeySet& trusted() const { return trusted_; }
  // keys.name's key: what a ReceiptSigner is made with.
  platform::Signer& default_key() const;
  // Signs with these keys from now on.
  void sign_with(chain::ReceiptSigner& signer);
  // From the daemon's loop: reads the file again when it was replaced and
  // hands the keys to the signer given to sign_with. True when read; a bad
  // file keeps the keys before it and is logged once (WatchedFile::poll).
  bool poll(std::chrono::steady_clock::time_point now, std::uint64_t now_ms);
  // "gateway-2 (from 2026-12-03T05:00:00Z, no end), 2 keys trusted"
  std::string describe(std::uint64_t now_ms) const;

 private:
  GatewayKeyRing(const GatewayConfig& config, platform::KeyStore& key_store,
                 const platform::Sha256& sha, const platform::VerifierFactory& verifiers)
      : config_(config),
        key_store_(key_store),
        sha_(sha),
        verifiers_(verifiers),
        file_(config.trusted_keys_path(), chain::GatewayKeySet::kMaxTextBytes) {}
  Status load(const std::string& text, std::uint64_t now_ms);
  Status read_file(std::uint64_t now_ms);
  Status hold_default_key();
  void hand_to_signer();

  const GatewayConfig& config_;
  platform::KeyStore& key_store_;
  const platform::Sha256& sha_;
  const platform::VerifierFactory& verifiers_;
  platform::WatchedFile file_;
  bool from_file_ = false;
  chain::GatewayKeySet trusted_;
  std::map<std::string, std::unique_ptr<platform::Signer>, std::less<>> held_;
  chain::ReceiptSigner* signer_ = nullptr;
};

}  // namespace vs::gateway
