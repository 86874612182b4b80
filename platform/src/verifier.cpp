#include "vs/platform/verifier.h"

namespace vs::platform {

Status Verifier::verify(const Digest& digest, ByteView signature) const {
  VS_TRY_ASSIGN(Signature fixed, to_array<64>(signature, "signature is not 64 bytes (r || s)"));
  return verify(digest, fixed);
}

namespace {

// Shares one cached verifier.
class SharedVerifier final : public Verifier {
 public:
  explicit SharedVerifier(std::shared_ptr<const Verifier> inner) : inner_(std::move(inner)) {}
  using Verifier::verify;
  Status verify(const Digest& digest, const Signature& signature) const override {
    return inner_->verify(digest, signature);
  }

 private:
  std::shared_ptr<const Verifier> inner_;
};

}  // namespace

Result<std::unique_ptr<Verifier>> CachingVerifierFactory::make_verifier(
    ByteView public_key_der) const {
  std::string key(public_key_der.begin(), public_key_der.end());
  {
    std::lock_guard lock(mutex_);
    auto found = cache_.find(key);
    if (found != cache_.end()) return std::unique_ptr<Verifier>(new SharedVerifier(found->second));
  }
  VS_TRY_ASSIGN(std::unique_ptr<Verifier> made, inner_.make_verifier(public_key_der));
  std::shared_ptr<const Verifier> shared(std::move(made));
  std::lock_guard lock(mutex_);
  if (cache_.size() >= capacity_) cache_.clear();
  cache_.emplace(std::move(key), shared);
  return std::unique_ptr<Verifier>(new SharedVerifier(std::move(shared)));
}

}  // namespace vs::platform
