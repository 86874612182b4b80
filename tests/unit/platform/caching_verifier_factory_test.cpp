#include <gtest/gtest.h>

#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::platform {
namespace {

class CountingFactory final : public VerifierFactory {
 public:
  Result<std::unique_ptr<Verifier>> make_verifier(ByteView der) const override {
    ++made;
    return inner.make_verifier(der);
  }
  OpensslVerifierFactory inner;
  mutable int made = 0;
};

TEST(CachingVerifierFactory, ParsesEachKeyOnceAndVerifiesLikeTheInnerFactory) {
  OpensslSha256 sha;
  auto a = MbedtlsSigner::generate().value();
  auto b = MbedtlsSigner::generate().value();
  Digest digest = sha.digest(as_bytes("reading"));
  Signature by_a = a->sign(digest).value();
  CountingFactory counting;
  CachingVerifierFactory cache(counting, 2);
  for (int i = 0; i < 3; ++i) {
    auto verifier = cache.make_verifier(a->public_key());
    ASSERT_TRUE(verifier.ok());
    EXPECT_TRUE((*verifier)->verify(digest, by_a).ok());
  }
  EXPECT_EQ(counting.made, 1);
  auto other = cache.make_verifier(b->public_key()).value();
  EXPECT_EQ(other->verify(digest, by_a).error().code(), ErrorCode::kIntegrity);
  EXPECT_EQ(counting.made, 2);
  // Full at two keys: a third starts the cache over, nothing breaks.
  auto c = MbedtlsSigner::generate().value();
  ASSERT_TRUE(cache.make_verifier(c->public_key()).ok());
  ASSERT_TRUE(cache.make_verifier(a->public_key()).ok());
  EXPECT_EQ(counting.made, 4);
  // Bad keys are not cached, and say why.
  Bytes garbage{0x30, 0x03, 0x01, 0x02, 0x03};
  EXPECT_EQ(cache.make_verifier(garbage).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(cache.make_verifier(garbage).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(counting.made, 6);
}

}  // namespace
}  // namespace vs::platform
