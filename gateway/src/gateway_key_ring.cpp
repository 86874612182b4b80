#include "vs/gateway/gateway_key_ring.h"

#include "vs/platform/clock.h"

namespace vs::gateway {

Result<std::unique_ptr<GatewayKeyRing>> GatewayKeyRing::open(
    const GatewayConfig& config, platform::KeyStore& key_store, const platform::Sha256& sha,
    const platform::VerifierFactory& verifiers, std::uint64_t now_ms) {
  std::unique_ptr<GatewayKeyRing> ring(new GatewayKeyRing(config, key_store, sha, verifiers));
  VS_TRY(ring->hold_default_key());
  std::error_code error;
  if (!std::filesystem::exists(ring->file_.path(), error)) {
    VS_TRY_ASSIGN(ring->trusted_, chain::GatewayKeySet::one(
                                      sha, verifiers, ring->held_.at(config.key_name)->public_key(),
                                      config.key_name));
    return ring;
  }
  VS_TRY(ring->read_file(now_ms));
  return ring;
}

Status GatewayKeyRing::hold_default_key() {
  auto key = key_store_.load(config_.key_name);
  if (!key) {
    auto error = std::move(key).error();
    std::string hint = error.code() == ErrorCode::kNotFound
                           ? " (create one with: vitalsign keygen --dir " +
                                 config_.key_dir.string() + " --name " + config_.key_name + ")"
                           : std::string();
    return std::move(error).about("gateway key " + config_.key_name + hint);
  }
  held_[config_.key_name] = std::move(key).value();
  return {};
}

Status GatewayKeyRing::load(const std::string& text, std::uint64_t now_ms) {
  VS_TRY_ASSIGN(chain::GatewayKeySet keys, chain::GatewayKeySet::parse(sha_, verifiers_, text));
  std::map<std::string, std::unique_ptr<platform::Signer>, std::less<>> held;
  for (const chain::GatewayKey& listed : keys.keys()) {
    auto key = key_store_.load(listed.name);
    if (!key && key.error().code() == ErrorCode::kNotFound) continue;  // another's, or retired
    if (!key) return std::move(key).error().about("gateway key " + listed.name);
    if (!equal(key.value()->public_key(), listed.public_key))
      return Error(ErrorCode::kConflict, "the key store's key of this name is another key")
          .about("gateway key " + listed.name);
    held[listed.name] = std::move(key).value();
  }
  auto holds = [&](const chain::GatewayKey& listed) { return held.contains(listed.name); };
  if (keys.signing_key_at(now_ms, holds) == nullptr)
    return Error(ErrorCode::kInvalidArgument,
                 "no key listed is both valid now and in the gateway's key store")
        .about(platform::utc_text(now_ms));
  held.insert_or_assign(config_.key_name, std::move(held_.at(config_.key_name)));
  held_ = std::move(held);
  trusted_ = std::move(keys);
  from_file_ = true;
  hand_to_signer();
  return {};
}

Status GatewayKeyRing::read_file(std::uint64_t now_ms) {
  VS_TRY_ASSIGN(auto text, file_.read_if_changed());
  if (!text) return {};
  if (auto loaded = load(*text, now_ms); !loaded)
    return std::move(loaded).error().about(file_.path().string());
  return {};
}

bool GatewayKeyRing::poll(std::chrono::steady_clock::time_point now, std::uint64_t now_ms) {
  return file_.poll(now, [&](const std::string& text) { return load(text, now_ms); });
}

void GatewayKeyRing::sign_with(chain::ReceiptSigner& signer) {
  signer_ = &signer;
  hand_to_signer();
}

void GatewayKeyRing::hand_to_signer() {
  if (signer_ == nullptr || !from_file_) return;
  chain::ReceiptSigner::HeldKeys held;
  for (const auto& [name, key] : held_) held.emplace(name, key.get());
  signer_->use_keys(trusted_, std::move(held));
}

platform::Signer& GatewayKeyRing::default_key() const {
  return *held_.at(config_.key_name);
}

std::string GatewayKeyRing::describe(std::uint64_t now_ms) const {
  if (!from_file_) return "key " + config_.key_name + " at any time";
  const chain::GatewayKey* now = trusted_.signing_key_at(
      now_ms, [this](const chain::GatewayKey& key) { return held_.contains(key.name); });
  return (now != nullptr ? "signing with " + now->describe() : std::string("no key valid now")) +
         ", " + std::to_string(trusted_.keys().size()) + " keys trusted (" + file_.path().string() +
         ")";
}

}  // namespace vs::gateway
