#include "mbedtls_baseline.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include <string>

namespace vs::platform::bench {

struct MbedtlsBaseline::Impl {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_context key;
  mbedtls_ecdsa_context ecdsa;
  mbedtls_mpi r;
  mbedtls_mpi s;
};

MbedtlsBaseline::MbedtlsBaseline() : impl_(std::make_unique<Impl>()) {
  Impl& i = *impl_;
  mbedtls_entropy_init(&i.entropy);
  mbedtls_ctr_drbg_init(&i.drbg);
  mbedtls_ctr_drbg_seed(&i.drbg, mbedtls_entropy_func, &i.entropy, nullptr, 0);
  mbedtls_pk_init(&i.key);
  mbedtls_pk_setup(&i.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(i.key), mbedtls_ctr_drbg_random,
                      &i.drbg);
  mbedtls_ecdsa_init(&i.ecdsa);
  mbedtls_ecdsa_from_keypair(&i.ecdsa, mbedtls_pk_ec(i.key));
  mbedtls_mpi_init(&i.r);
  mbedtls_mpi_init(&i.s);
}

MbedtlsBaseline::~MbedtlsBaseline() {
  Impl& i = *impl_;
  mbedtls_mpi_free(&i.r);
  mbedtls_mpi_free(&i.s);
  mbedtls_ecdsa_free(&i.ecdsa);
  mbedtls_pk_free(&i.key);
  mbedtls_ctr_drbg_free(&i.drbg);
  mbedtls_entropy_free(&i.entropy);
}

void MbedtlsBaseline::sha256(ByteView a, ByteView b, ByteView c, std::uint8_t out[32]) {
  mbedtls_sha256_context context;
  mbedtls_sha256_init(&context);
  mbedtls_sha256_starts_ret(&context, 0);
  mbedtls_sha256_update_ret(&context, a.data(), a.size());
  mbedtls_sha256_update_ret(&context, b.data(), b.size());
  mbedtls_sha256_update_ret(&context, c.data(), c.size());
  mbedtls_sha256_finish_ret(&context, out);
  mbedtls_sha256_free(&context);
}

void MbedtlsBaseline::sign(const Digest& digest, std::uint8_t signature[64]) {
  Impl& i = *impl_;
  mbedtls_ecdsa_sign_det_ext(&i.ecdsa.grp, &i.r, &i.s, &i.ecdsa.d, digest.data(), digest.size(),
                             MBEDTLS_MD_SHA256, mbedtls_ctr_drbg_random, &i.drbg);
  mbedtls_mpi_write_binary(&i.r, signature, 32);
  mbedtls_mpi_write_binary(&i.s, signature + 32, 32);
}

bool MbedtlsBaseline::verify(const Digest& digest, const std::uint8_t signature[64]) {
  Impl& i = *impl_;
  mbedtls_mpi_read_binary(&i.r, signature, 32);
  mbedtls_mpi_read_binary(&i.s, signature + 32, 32);
  return mbedtls_ecdsa_verify(&i.ecdsa.grp, digest.data(), digest.size(), &i.ecdsa.Q, &i.r, &i.s) ==
         0;
}

std::string MbedtlsBaseline::private_key_pem() const {
  unsigned char buffer[512];
  mbedtls_pk_write_key_pem(&impl_->key, buffer, sizeof buffer);
  return std::string(reinterpret_cast<const char*>(buffer));
}

}  // namespace vs::platform::bench
