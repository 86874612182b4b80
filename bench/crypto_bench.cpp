// Foundation benchmark: our interfaces next to the raw library calls, in
// one process, as ratios (target: wrappers >= 0.9 of the raw rate).
#include <cstdio>
#include <vector>

#include "mbedtls_baseline.h"
#include "openssl_baseline.h"
#include "support/rate_meter.h"
#include "vs/chain/entry_leaf.h"
#include "vs/chain/merkle.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_signer.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/wire_codec.h"

namespace {

using namespace vs;

volatile std::uint8_t sink;  // keeps results alive

void row(const char* what, const char* library, const bench::RateMeter::Comparison& measured) {
  std::printf("| %-34s | %-8s | %14.0f | %14.0f | %5.2f |\n", what, library, measured.ours,
              measured.raw, measured.ratio);
}

// The same bottom-up RFC 9162 root as chain::Merkle, on raw hash calls.
template <typename RawHash>
Digest raw_root(std::vector<Digest> level, RawHash&& hash) {
  static const std::uint8_t kNode[] = {0x01};
  while (level.size() > 1) {
    std::size_t pairs = level.size() / 2;
    for (std::size_t i = 0; i < pairs; ++i) {
      Digest out;
      hash(ByteView(kNode), ByteView(level[2 * i]), ByteView(level[2 * i + 1]), out.data());
      level[i] = out;
    }
    if (level.size() % 2 == 1) {
      level[pairs] = level.back();
      level.resize(pairs + 1);
    } else {
      level.resize(pairs);
    }
  }
  return level.front();
}

}  // namespace

int main() {
  bench::RateMeter meter;
  platform::bench::MbedtlsBaseline mbedtls_raw;
  platform::bench::OpensslBaseline openssl_raw(mbedtls_raw.private_key_pem());
  platform::MbedtlsSha256 mbedtls_sha;
  platform::OpensslSha256 openssl_sha;
  std::string pem = mbedtls_raw.private_key_pem();
  auto mbedtls_signer = platform::MbedtlsSigner::from_private_key(as_bytes(pem)).value();
  auto openssl_signer = platform::OpensslSigner::from_private_key(as_bytes(pem)).value();
  auto mbedtls_verifier =
      platform::MbedtlsVerifierFactory().make_verifier(mbedtls_signer->public_key()).value();
  auto openssl_verifier =
      platform::OpensslVerifierFactory().make_verifier(mbedtls_signer->public_key()).value();

  proto::Entry entry;
  entry.seq = 123456;
  entry.time_ms = 1'760'000'000'000ULL;
  entry.body = proto::Reading{proto::VitalKind::kHeartRate, 72, 0, 0, 0, {}};
  Bytes entry_bytes = proto::WireCodec::encode(entry).value();
  Digest blinding = chain::EntryLeaf::blinding(mbedtls_sha, as_bytes("secret"), entry.seq);
  static const std::uint8_t kLeaf[] = {0x00};

  std::printf("vitalsign crypto_bench on %s\n", bench::machine_description().c_str());
  std::printf(
      "5 runs of >= 200 ms, ours and raw in turns; medians, ratio = median of the runs' ours / raw "
      "(same key, same data)\n\n");
  std::printf("| %-34s | %-8s | %14s | %14s | %5s |\n", "operation", "library", "ours /s", "raw /s",
              "ratio");
  bench::print_rule(88);

  // The first measurement in a process ran on a cold CPU (its first ratio
  // came out 0.65 to 0.85 where later runs give 1.0): warm up untimed.
  (void)bench::RateMeter(1, std::chrono::milliseconds(500)).median_rate([&] {
    sink = chain::EntryLeaf::hash(mbedtls_sha, blinding, entry_bytes)[0];
  });
  for (auto* library : {"mbedtls", "openssl"}) {
    bool is_mbedtls = std::string(library) == "mbedtls";
    const platform::Sha256& sha = is_mbedtls ? static_cast<const platform::Sha256&>(mbedtls_sha)
                                             : static_cast<const platform::Sha256&>(openssl_sha);
    auto raw_hash = [&](ByteView a, ByteView b, ByteView c, std::uint8_t* out) {
      if (is_mbedtls) {
        mbedtls_raw.sha256(a, b, c, out);
      } else {
        openssl_raw.sha256(a, b, c, out);
      }
    };
    auto leaf =
        meter.compare([&] { sink = chain::EntryLeaf::hash(sha, blinding, entry_bytes)[0]; },
                      [&] {
                        std::uint8_t out[32];
                        raw_hash(ByteView(kLeaf), ByteView(blinding), ByteView(entry_bytes), out);
                        sink = out[0];
                      });
    char label[64];
    std::snprintf(label, sizeof label, "entry leaf hash (%zu B entry)", entry_bytes.size());
    row(label, library, leaf);

    chain::Merkle merkle(sha);
    for (std::size_t leaves : {std::size_t{64}, std::size_t{1024}, std::size_t{65536}}) {
      std::vector<Digest> hashes;
      for (std::size_t i = 0; i < leaves; ++i)
        hashes.push_back(merkle.leaf_hash(as_bytes(std::to_string(i))));
      bench::RateMeter tree_meter(5, std::chrono::milliseconds(leaves > 10000 ? 600 : 200));
      auto root = tree_meter.compare([&] { sink = merkle.root(hashes)[0]; },
                                     [&] { sink = raw_root(hashes, raw_hash)[0]; });
      std::snprintf(label, sizeof label, "merkle root, %zu leaves", leaves);
      row(label, library, root);
    }
  }

  Digest digest = mbedtls_sha.digest(as_bytes("heart rate 72"));
  row("ECDSA P-256 sign (RFC 6979)", "mbedtls",
      meter.compare([&] { sink = mbedtls_signer->sign(digest).value()[0]; },
                    [&] {
                      std::uint8_t signature[64];
                      mbedtls_raw.sign(digest, signature);
                      sink = signature[0];
                    }));
  row("ECDSA P-256 sign (random k)", "openssl",
      meter.compare([&] { sink = openssl_signer->sign(digest).value()[0]; },
                    [&] {
                      std::uint8_t der[80];
                      openssl_raw.sign(digest, der);
                      sink = der[0];
                    }));
  platform::Signature signature = mbedtls_signer->sign(digest).value();
  row("ECDSA P-256 verify", "mbedtls",
      meter.compare([&] { sink = mbedtls_verifier->verify(digest, signature).ok(); },
                    [&] { sink = mbedtls_raw.verify(digest, signature.data()); }));
  std::uint8_t der[80];
  std::size_t der_size = openssl_raw.sign(digest, der);
  row("ECDSA P-256 verify", "openssl",
      meter.compare([&] { sink = openssl_verifier->verify(digest, signature).ok(); },
                    [&] { sink = openssl_raw.verify(digest, der, der_size); }));
  return 0;
}
