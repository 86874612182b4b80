#include "vs/platform/mbedtls_verifier.h"

#include <cstring>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include <mutex>

namespace vs::platform {
namespace {

class MbedtlsVerifier final : public Verifier {
 public:
  MbedtlsVerifier() { mbedtls_ecdsa_init(&ecdsa_); }
  ~MbedtlsVerifier() override { mbedtls_ecdsa_free(&ecdsa_); }
  MbedtlsVerifier(const MbedtlsVerifier&) = delete;
  MbedtlsVerifier& operator=(const MbedtlsVerifier&) = delete;

  Status load(const mbedtls_pk_context& key) {
    int rc = mbedtls_ecdsa_from_keypair(&ecdsa_, mbedtls_pk_ec(key));
    if (rc != 0) return Error(ErrorCode::kInternal, "cannot copy the P-256 public key", rc);
    return {};
  }

  using Verifier::verify;
  Status verify(const Digest& digest, const Signature& signature) const override {
    mbedtls_mpi r;
    mbedtls_mpi s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = mbedtls_mpi_read_binary(&r, signature.data(), 32);
    if (rc == 0) rc = mbedtls_mpi_read_binary(&s, signature.data() + 32, 32);
    if (rc == 0) {
      // The group caches its comb table on first use: not safe to share unlocked.
      std::lock_guard lock(mutex_);
      rc = mbedtls_ecdsa_verify(&ecdsa_.grp, digest.data(), digest.size(), &ecdsa_.Q, &r, &s);
    }
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    if (rc == MBEDTLS_ERR_ECP_VERIFY_FAILED || rc == MBEDTLS_ERR_ECP_BAD_INPUT_DATA) {
      return Error(ErrorCode::kIntegrity, "signature does not verify", rc);
    }
    if (rc != 0) return Error(ErrorCode::kInternal, "ECDSA verification failed to run", rc);
    return {};
  }

 private:
  mutable std::mutex mutex_;
  mutable mbedtls_ecdsa_context ecdsa_;
};

}  // namespace

Result<std::unique_ptr<Verifier>> MbedtlsVerifierFactory::make_verifier(
    ByteView public_key_der) const {
  mbedtls_pk_context key;
  mbedtls_pk_init(&key);
  int rc = mbedtls_pk_parse_public_key(&key, public_key_der.data(), public_key_der.size());
  if (rc != 0) {
    mbedtls_pk_free(&key);
    return Error(ErrorCode::kMalformed, "public key is not a DER SubjectPublicKeyInfo", rc);
  }
  if (mbedtls_pk_get_type(&key) != MBEDTLS_PK_ECKEY ||
      mbedtls_pk_ec(key)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
    mbedtls_pk_free(&key);
    return Error(ErrorCode::kMalformed, "public key is not an EC P-256 key");
  }
  auto verifier = std::make_unique<MbedtlsVerifier>();
  Status loaded = verifier->load(key);
  mbedtls_pk_free(&key);
  if (!loaded) return std::move(loaded).error();
  return std::unique_ptr<Verifier>(std::move(verifier));
}

Result<Bytes> MbedtlsVerifierFactory::der_from_pem(std::string_view pem) {
  std::string text(pem);  // PEM must be NUL-terminated, the NUL counted
  mbedtls_pk_context key;
  mbedtls_pk_init(&key);
  int rc = mbedtls_pk_parse_public_key(&key, reinterpret_cast<const unsigned char*>(text.c_str()),
                                       text.size() + 1);
  if (rc != 0) {
    mbedtls_pk_free(&key);
    return Error(ErrorCode::kMalformed, "not a PEM public key", rc);
  }
  unsigned char buffer[256];
  int length = mbedtls_pk_write_pubkey_der(&key, buffer, sizeof buffer);
  mbedtls_pk_free(&key);
  if (length < 0)
    return Error(ErrorCode::kMalformed, "public key cannot be written as DER", length);
  return Bytes(buffer + sizeof buffer - length, buffer + sizeof buffer);
}

Result<DeviceCertificate> DeviceCertificate::parse(std::string_view pem, std::string_view ca_pem) {
  std::string text(pem);  // PEM must be NUL-terminated, the NUL counted
  mbedtls_x509_crt certificate;
  mbedtls_x509_crt_init(&certificate);
  int rc = mbedtls_x509_crt_parse(
      &certificate, reinterpret_cast<const unsigned char*>(text.c_str()), text.size() + 1);
  if (rc != 0) {
    mbedtls_x509_crt_free(&certificate);
    return Error(ErrorCode::kMalformed, "not a PEM certificate", rc);
  }
  DeviceCertificate out;
  out.der.assign(certificate.raw.p, certificate.raw.p + certificate.raw.len);
  for (const mbedtls_x509_name* name = &certificate.subject; name != nullptr; name = name->next) {
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) == 0)
      out.common_name.assign(reinterpret_cast<const char*>(name->val.p), name->val.len);
  }
  if (!ca_pem.empty()) {
    std::string ca_text(ca_pem);
    mbedtls_x509_crt ca;
    mbedtls_x509_crt_init(&ca);
    rc = mbedtls_x509_crt_parse(&ca, reinterpret_cast<const unsigned char*>(ca_text.c_str()),
                                ca_text.size() + 1);
    if (rc != 0) {
      mbedtls_x509_crt_free(&ca);
      mbedtls_x509_crt_free(&certificate);
      return Error(ErrorCode::kMalformed, "the CA is not a PEM certificate", rc);
    }
    std::uint32_t flags = 0;
    rc = mbedtls_x509_crt_verify(&certificate, &ca, nullptr, nullptr, &flags, nullptr, nullptr);
    mbedtls_x509_crt_free(&ca);
    if (rc != 0) {
      mbedtls_x509_crt_free(&certificate);
      return Error(ErrorCode::kIntegrity,
                   (flags & MBEDTLS_X509_BADCERT_EXPIRED) != 0
                       ? "the certificate has expired"
                       : "the certificate was not issued by this CA",
                   rc);
    }
    out.ca_verified = true;
  }
  mbedtls_x509_crt_free(&certificate);
  return out;
}

}  // namespace vs::platform
