// One contract suite per crypto interface, run against every implementation,
// so that the device (Mbed TLS) and the gateway (OpenSSL) agree byte for byte.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_ed25519.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::platform {
namespace {

Bytes unhex(std::string_view hex) {
  return from_hex(hex).value();
}

// ---- Sha256 ------------------------------------------------------------------

class Sha256Contract : public ::testing::TestWithParam<std::shared_ptr<Sha256>> {};

TEST_P(Sha256Contract, KnownAnswers) {
  const Sha256& sha = *GetParam();
  EXPECT_EQ(to_hex(sha.digest(ByteView())),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha.digest(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string million(1000000, 'a');
  EXPECT_EQ(to_hex(sha.digest(as_bytes(million))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_P(Sha256Contract, PartsHashLikeTheirConcatenation) {
  const Sha256& sha = *GetParam();
  EXPECT_EQ(sha.digest({as_bytes("a"), as_bytes(""), as_bytes("bc")}), sha.digest(as_bytes("abc")));
}

INSTANTIATE_TEST_SUITE_P(Implementations, Sha256Contract,
                         ::testing::Values(std::make_shared<MbedtlsSha256>(),
                                           std::make_shared<OpensslSha256>()),
                         [](const auto& param_info) {
                           return param_info.index == 0 ? "Mbedtls" : "Openssl";
                         });

// ---- Signer x Verifier -------------------------------------------------------

struct Pairing {
  std::string name;
  std::function<std::unique_ptr<Signer>()> make_signer;
  std::shared_ptr<VerifierFactory> verifiers;
};

void PrintTo(const Pairing& pairing, std::ostream* out) {
  *out << pairing.name;
}

class SignatureContract : public ::testing::TestWithParam<Pairing> {
 protected:
  void SetUp() override {
    signer_ = GetParam().make_signer();
    auto verifier = GetParam().verifiers->make_verifier(signer_->public_key());
    ASSERT_TRUE(verifier.ok()) << verifier.error().message();
    verifier_ = std::move(verifier).value();
    digest_ = sha_.digest(as_bytes("heart rate 72 /min"));
  }
  OpensslSha256 sha_;
  std::unique_ptr<Signer> signer_;
  std::unique_ptr<Verifier> verifier_;
  Digest digest_{};
};

TEST_P(SignatureContract, SignatureVerifies) {
  auto signature = signer_->sign(digest_);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(verifier_->verify(digest_, *signature).ok());
}

TEST_P(SignatureContract, OtherDigestIsAnIntegrityError) {
  auto signature = signer_->sign(digest_);
  ASSERT_TRUE(signature.ok());
  Digest other = digest_;
  other[31] ^= 0x01;
  auto result = verifier_->verify(other, *signature);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kIntegrity);
}

TEST_P(SignatureContract, FlippedSignatureBitIsAnIntegrityError) {
  auto signature = signer_->sign(digest_);
  ASSERT_TRUE(signature.ok());
  for (std::size_t byte : {0u, 31u, 32u, 63u}) {
    Signature bad = *signature;
    bad[byte] ^= 0x40;
    EXPECT_EQ(verifier_->verify(digest_, bad).error().code(), ErrorCode::kIntegrity) << byte;
  }
}

TEST_P(SignatureContract, DegenerateSignaturesAreRejectedNotCrashed) {
  Signature zeros{};
  Signature ones;
  ones.fill(0xff);
  EXPECT_EQ(verifier_->verify(digest_, zeros).error().code(), ErrorCode::kIntegrity);
  EXPECT_EQ(verifier_->verify(digest_, ones).error().code(), ErrorCode::kIntegrity);
  Bytes short_signature(63, 0x01);
  EXPECT_EQ(verifier_->verify(digest_, ByteView(short_signature)).error().code(),
            ErrorCode::kMalformed);
}

TEST_P(SignatureContract, AnotherKeyDoesNotVerify) {
  auto signature = signer_->sign(digest_);
  ASSERT_TRUE(signature.ok());
  auto other_signer = GetParam().make_signer();
  auto other = GetParam().verifiers->make_verifier(other_signer->public_key());
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->verify(digest_, *signature).ok());
}

std::unique_ptr<Signer> mbedtls_signer() {
  return MbedtlsSigner::generate().value();
}
std::unique_ptr<Signer> openssl_signer() {
  return OpensslSigner::generate().value();
}

INSTANTIATE_TEST_SUITE_P(BothWays, SignatureContract,
                         ::testing::Values(Pairing{"MbedtlsSignsMbedtlsVerifies", mbedtls_signer,
                                                   std::make_shared<MbedtlsVerifierFactory>()},
                                           Pairing{"MbedtlsSignsOpensslVerifies", mbedtls_signer,
                                                   std::make_shared<OpensslVerifierFactory>()},
                                           Pairing{"OpensslSignsMbedtlsVerifies", openssl_signer,
                                                   std::make_shared<MbedtlsVerifierFactory>()},
                                           Pairing{"OpensslSignsOpensslVerifies", openssl_signer,
                                                   std::make_shared<OpensslVerifierFactory>()}),
                         [](const auto& param_info) { return param_info.param.name; });

// ---- Mbed TLS specifics: RFC 6979 and key formats -----------------------------

// RFC 6979 appendix A.2.5: P-256, SHA-256, message "sample".
constexpr std::string_view kRfc6979PrivateKey =
    "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
constexpr std::string_view kRfc6979PublicX =
    "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
constexpr std::string_view kRfc6979PublicY =
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
constexpr std::string_view kRfc6979SignatureSample =
    "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
    "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";

Bytes rfc6979_sec1_der() {
  // ECPrivateKey { version 1, privateKey, [0] prime256v1 } without the public key.
  Bytes der = unhex("30310201010420");
  Bytes key = unhex(kRfc6979PrivateKey);
  der.insert(der.end(), key.begin(), key.end());
  Bytes curve = unhex("a00a06082a8648ce3d030107");
  der.insert(der.end(), curve.begin(), curve.end());
  return der;
}

TEST(MbedtlsSigner, MatchesRfc6979TestVector) {
  auto signer = MbedtlsSigner::from_private_key(rfc6979_sec1_der());
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  std::string public_hex = to_hex((*signer)->public_key());
  EXPECT_EQ(public_hex.substr(public_hex.size() - 128),
            std::string(kRfc6979PublicX) + std::string(kRfc6979PublicY));
  MbedtlsSha256 sha;
  auto signature = (*signer)->sign(sha.digest(as_bytes("sample")));
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(to_hex(*signature), kRfc6979SignatureSample);
}

TEST(MbedtlsSigner, IsDeterministic) {
  auto signer = MbedtlsSigner::generate().value();
  MbedtlsSha256 sha;
  Digest digest = sha.digest(as_bytes("spo2 97 %"));
  EXPECT_EQ(signer->sign(digest).value(), signer->sign(digest).value());
}

TEST(MbedtlsSigner, PemRoundTripKeepsTheKeyAndOpensslReadsIt) {
  auto signer = MbedtlsSigner::generate().value();
  std::string pem = signer->private_key_pem().value();
  EXPECT_NE(pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  auto again = MbedtlsSigner::from_private_key(as_bytes(pem));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(equal((*again)->public_key(), signer->public_key()));
  auto by_openssl = OpensslSigner::from_private_key(as_bytes(pem));
  ASSERT_TRUE(by_openssl.ok()) << by_openssl.error().message();
  EXPECT_TRUE(equal((*by_openssl)->public_key(), signer->public_key()));
}

TEST(MbedtlsSigner, GarbageKeyIsMalformed) {
  EXPECT_EQ(MbedtlsSigner::from_private_key(as_bytes("-----BEGIN EC PRIVATE KEY-----\nAAAA"))
                .error()
                .code(),
            ErrorCode::kMalformed);
  EXPECT_EQ(MbedtlsSigner::from_private_key(ByteView()).error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(OpensslSigner::from_private_key(as_bytes("not a key")).error().code(),
            ErrorCode::kMalformed);
}

TEST(VerifierFactories, RejectWhatIsNotAP256PublicKey) {
  auto signer = MbedtlsSigner::generate().value();
  Bytes truncated(signer->public_key().begin(), signer->public_key().end() - 1);
  Bytes garbage{0x30, 0x03, 0x02, 0x01, 0x00};
  for (const VerifierFactory* factory :
       {static_cast<const VerifierFactory*>(new MbedtlsVerifierFactory),
        static_cast<const VerifierFactory*>(new OpensslVerifierFactory)}) {
    EXPECT_EQ(factory->make_verifier(truncated).error().code(), ErrorCode::kMalformed);
    EXPECT_EQ(factory->make_verifier(garbage).error().code(), ErrorCode::kMalformed);
    EXPECT_EQ(factory->make_verifier(ByteView()).error().code(), ErrorCode::kMalformed);
    delete factory;
  }
}

// ---- Ed25519 (RFC 8032, section 7.1, tests 1 and 2) -------------------------

TEST(OpensslEd25519, Rfc8032KnownAnswers) {
  OpensslEd25519 ed25519;
  struct Vector {
    const char* seed;
    const char* public_key;
    const char* message;
    const char* signature;
  };
  for (const Vector& v :
       {Vector{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
               "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
               "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
               "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        Vector{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
               "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
               "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
               "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"}}) {
    auto signer = ed25519.signer(unhex(v.seed));
    ASSERT_TRUE(signer.ok()) << signer.error().message();
    EXPECT_EQ(Bytes((*signer)->public_key().begin(), (*signer)->public_key().end()),
              unhex(v.public_key));
    Bytes message = unhex(v.message);
    EXPECT_EQ((*signer)->sign(message).value(), unhex(v.signature));
    EXPECT_TRUE(ed25519.verify(unhex(v.public_key), message, unhex(v.signature)));
    Bytes changed = unhex(v.signature);
    changed[10] ^= 1;
    EXPECT_FALSE(ed25519.verify(unhex(v.public_key), message, changed));
    Bytes longer = message;
    longer.push_back(0);
    EXPECT_FALSE(ed25519.verify(unhex(v.public_key), longer, unhex(v.signature)));
  }
  EXPECT_FALSE(ed25519.verify(Bytes(31, 1), {}, Bytes(64, 0)));
  EXPECT_EQ(ed25519.signer(Bytes(31, 1)).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vs::platform
