#include "vs/platform/mbedtls_signer.h"

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include <vector>

#include "mbedtls_drbg.h"

namespace vs::platform {

struct MbedtlsSigner::Impl {
  mbedtls_pk_context key;       // for export
  mbedtls_ecdsa_context ecdsa;  // for signing: curve tables built once
  Bytes public_key_der;

  Impl() {
    mbedtls_pk_init(&key);
    mbedtls_ecdsa_init(&ecdsa);
  }
  ~Impl() {
    mbedtls_ecdsa_free(&ecdsa);
    mbedtls_pk_free(&key);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status finish() {
    int rc = mbedtls_ecdsa_from_keypair(&ecdsa, mbedtls_pk_ec(key));
    if (rc != 0) return Error(ErrorCode::kInternal, "cannot copy the P-256 key", rc);
    unsigned char buffer[256];
    int length = mbedtls_pk_write_pubkey_der(&key, buffer, sizeof buffer);
    if (length < 0) return Error(ErrorCode::kInternal, "cannot write the public key", length);
    // pk_write_*_der writes at the end of the buffer.
    public_key_der.assign(buffer + sizeof buffer - length, buffer + sizeof buffer);
    return {};
  }
};

MbedtlsSigner::MbedtlsSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MbedtlsSigner::~MbedtlsSigner() = default;

Result<std::unique_ptr<MbedtlsSigner>> MbedtlsSigner::generate() {
  auto impl = std::make_unique<Impl>();
  int rc = mbedtls_pk_setup(&impl->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc != 0) return Error(ErrorCode::kInternal, "cannot set up an EC key", rc);
  rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(impl->key),
                           detail::mbedtls_random, nullptr);
  if (rc != 0) return Error(ErrorCode::kInternal, "cannot generate a P-256 key", rc);
  VS_TRY(impl->finish());
  return std::unique_ptr<MbedtlsSigner>(new MbedtlsSigner(std::move(impl)));
}

Result<std::unique_ptr<MbedtlsSigner>> MbedtlsSigner::from_private_key(ByteView pem_or_der) {
  auto impl = std::make_unique<Impl>();
  // PEM must be NUL-terminated and its length must count the NUL.
  std::vector<unsigned char> input(pem_or_der.begin(), pem_or_der.end());
  bool is_pem = !input.empty() && input[0] == '-';
  if (is_pem && input.back() != '\0') input.push_back('\0');
  int rc = mbedtls_pk_parse_key(&impl->key, input.data(), input.size(), nullptr, 0);
  if (rc != 0) return Error(ErrorCode::kMalformed, "not a readable private key (PEM or DER)", rc);
  if (mbedtls_pk_get_type(&impl->key) != MBEDTLS_PK_ECKEY ||
      mbedtls_pk_ec(impl->key)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
    return Error(ErrorCode::kMalformed, "private key is not an EC P-256 key");
  }
  VS_TRY(impl->finish());
  return std::unique_ptr<MbedtlsSigner>(new MbedtlsSigner(std::move(impl)));
}

Result<Signature> MbedtlsSigner::sign(const Digest& digest) {
  mbedtls_mpi r;
  mbedtls_mpi s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  Signature signature{};
  // k comes from RFC 6979; the RNG only blinds the computation.
  int rc =
      mbedtls_ecdsa_sign_det_ext(&impl_->ecdsa.grp, &r, &s, &impl_->ecdsa.d, digest.data(),
                                 digest.size(), MBEDTLS_MD_SHA256, detail::mbedtls_random, nullptr);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&r, signature.data(), 32);
  if (rc == 0) rc = mbedtls_mpi_write_binary(&s, signature.data() + 32, 32);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  if (rc != 0) return Error(ErrorCode::kInternal, "ECDSA signing failed", rc);
  return signature;
}

ByteView MbedtlsSigner::public_key() const {
  return impl_->public_key_der;
}

Result<std::string> MbedtlsSigner::private_key_pem() const {
  unsigned char buffer[512];
  int rc = mbedtls_pk_write_key_pem(&impl_->key, buffer, sizeof buffer);
  if (rc != 0) return Error(ErrorCode::kInternal, "cannot write the private key", rc);
  return std::string(reinterpret_cast<const char*>(buffer));
}

Result<std::string> MbedtlsSigner::public_key_pem() const {
  unsigned char buffer[512];
  int rc = mbedtls_pk_write_pubkey_pem(&impl_->key, buffer, sizeof buffer);
  if (rc != 0) return Error(ErrorCode::kInternal, "cannot write the public key", rc);
  return std::string(reinterpret_cast<const char*>(buffer));
}

Result<std::string> MbedtlsSigner::certificate_request_pem(const std::string& subject) const {
  mbedtls_x509write_csr request;
  mbedtls_x509write_csr_init(&request);
  mbedtls_x509write_csr_set_md_alg(&request, MBEDTLS_MD_SHA256);
  mbedtls_x509write_csr_set_key(&request, &impl_->key);
  int rc = mbedtls_x509write_csr_set_subject_name(&request, subject.c_str());
  if (rc != 0) {
    mbedtls_x509write_csr_free(&request);
    return Error(ErrorCode::kInvalidArgument, "not an X.509 subject name (like O=Acme,CN=id)", rc)
        .about(subject);
  }
  unsigned char buffer[2048];
  rc = mbedtls_x509write_csr_pem(&request, buffer, sizeof buffer, detail::mbedtls_random, nullptr);
  mbedtls_x509write_csr_free(&request);
  if (rc != 0) return Error(ErrorCode::kInternal, "cannot write the signing request", rc);
  return std::string(reinterpret_cast<const char*>(buffer));
}

}  // namespace vs::platform
