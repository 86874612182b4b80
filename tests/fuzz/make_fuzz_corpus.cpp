// Writes the seed corpus: valid blocks, entries, receipts and control
// messages made with the fixed fuzz keys, plus a few truncations. Run by
// hand after a schema change; its output is committed under corpus/.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_keys.h"
#include "test_log_key.h"
#include "vs/chain/block_sealer.h"
#include "vs/chain/entry_leaf.h"
#include "vs/chain/merkle.h"
#include "vs/chain/receipt_signer.h"
#include "vs/chain/witness.h"
#include "vs/gateway/batch_anchorer.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/gateway/local_ledger.h"
#include "vs/gateway/proof_export.h"
#include "vs/platform/clock.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_verifier.h"
#include "vs/proto/proof_bundle_json.h"
#include "vs/proto/wire_codec.h"

namespace {

using namespace vs;

void write(const std::filesystem::path& dir, const std::string& name, ByteView bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

proto::Entry reading(std::uint64_t seq, proto::VitalKind kind, std::int64_t mantissa,
                     std::int32_t exponent) {
  proto::Entry entry;
  entry.seq = seq;
  entry.time_ms = 1'760'000'000'000ULL + seq * 1000;
  proto::Reading value;
  value.kind = kind;
  value.mantissa = mantissa;
  value.exponent = exponent;
  entry.body = value;
  return entry;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_corpus <corpus-dir>\n");
    return 2;
  }
  std::filesystem::path out(argv[1]);
  platform::MbedtlsSha256 sha;
  auto device =
      platform::MbedtlsSigner::from_private_key(as_bytes(fuzz::kDevicePrivateKeyPem)).value();
  auto gateway =
      platform::MbedtlsSigner::from_private_key(as_bytes(fuzz::kGatewayPrivateKeyPem)).value();
  chain::DeviceId device_id = chain::DeviceId::from_public_key(sha, device->public_key());
  Bytes secret(32, 0x33);

  std::vector<proto::Entry> entries{
      reading(0, proto::VitalKind::kHeartRate, 72, 0),
      reading(1, proto::VitalKind::kSpo2, 97, 0),
      reading(2, proto::VitalKind::kBodyTemperature, 368, -1),
      reading(3, proto::VitalKind::kBpSystolic, 121, 0),
  };
  proto::Entry ecg = reading(4, proto::VitalKind::kEcg, 0, -3);
  auto& samples = std::get<proto::Reading>(ecg.body);
  samples.sample_rate_mhz = 250'000;
  for (int i = 0; i < 64; ++i) samples.samples.push_back((i * 53) % 900 - 450);
  entries.push_back(ecg);
  proto::Entry consent = reading(5, proto::VitalKind::kHeartRate, 0, 0);
  proto::Event event;
  event.kind = proto::EventKind::kConsentGranted;
  event.recipient = "clinic-1";
  consent.body = event;
  entries.push_back(consent);

  chain::BlockSealer sealer(sha, *device);
  std::vector<chain::PendingEntry> pending;
  for (const proto::Entry& entry : entries) {
    chain::PendingEntry item;
    item.bytes = proto::WireCodec::encode(entry).value();
    item.seq = entry.seq;
    item.time_ms = entry.time_ms;
    item.blinding = chain::EntryLeaf::blinding(sha, secret, entry.seq);
    item.signature = entry.seq % 2 == 0 ? sealer.sign_entry(item.bytes).value() : Bytes();
    pending.push_back(item);
    write(out / "entry", "entry-" + std::to_string(entry.seq), item.bytes);
  }
  chain::SealPosition position;
  position.device_id = device_id;
  position.sealed_time_ms = 1'760'000'010'000ULL;
  chain::SealedBlock first = sealer.seal(position, pending).value();
  write(out / "block", "block-0", first.encoded);
  write(out / "block", "block-0-truncated",
        ByteView(first.encoded).first(first.encoded.size() / 2));
  write(
      out / "block", "block-header-only",
      proto::WireCodec::encode(proto::Block{first.block.header, first.block.signature, {}, {}, {}})
          .value());

  // Receipts for the block, in a batch of three.
  chain::Merkle merkle(sha);
  std::vector<Digest> leaves{merkle.leaf_hash(first.hash),
                             merkle.leaf_hash(sha.digest(as_bytes("b"))),
                             merkle.leaf_hash(sha.digest(as_bytes("c")))};
  Digest root = merkle.root(leaves);
  for (auto state : {proto::ReceiptState::kPending, proto::ReceiptState::kAnchored}) {
    proto::ReceiptBody body;
    body.version = 1;
    body.device_id.assign(device_id.bytes().begin(), device_id.bytes().end());
    body.block_height = 0;
    body.block_hash.assign(first.hash.begin(), first.hash.end());
    body.state = state;
    if (state == proto::ReceiptState::kAnchored) {
      body.batch_id = 1;
      body.batch_root.assign(root.begin(), root.end());
      body.batch_size = leaves.size();
      body.leaf_index = 0;
      for (const Digest& node : merkle.inclusion_proof(leaves, 0).value()) {
        body.inclusion_path.emplace_back(node.begin(), node.end());
      }
      body.ledger.kind = proto::LedgerKind::kLocal;
      body.ledger.chain_id = "local";
      body.ledger.ledger_height = 1;
    }
    proto::Receipt receipt = chain::ReceiptSigner(sha, *gateway).sign(body).value();
    write(out / "receipt", "receipt-" + std::to_string(static_cast<int>(state)),
          proto::WireCodec::encode(receipt).value());
    // The block sent again with this receipt (agent -> gateway, .../resent).
    write(out / "control", "resent-" + std::to_string(static_cast<int>(state)),
          proto::WireCodec::encode(
              proto::ResentBlock{first.encoded, proto::WireCodec::encode(receipt).value()})
              .value());
  }

  proto::ResendRequest resend{1,
                              Bytes(device_id.bytes().begin(), device_id.bytes().end()),
                              3,
                              9,
                              "gap",
                              1'767'225'600'000,
                              Bytes(16, 0x5a)};
  write(out / "control", "resend", proto::WireCodec::encode(resend).value());
  write(out / "control", "signed-resend",
        chain::ReceiptSigner(sha, *gateway).sign_encoded(resend).value());
  proto::Status status;
  status.version = 1;
  status.online = true;
  status.has_tip = true;
  status.tip_height = 12;
  write(out / "control", "status", proto::WireCodec::encode(status).value());
  // Proof files as `vitalsign proof export` writes them: the block above
  // accepted, anchored on a local ledger, with and without the checkpoint.
  {
    auto store_dir =
        std::filesystem::temp_directory_path() / ("vs-fuzz-corpus-" + std::to_string(::getpid()));
    gateway::GatewayStoreOptions options;
    options.location = store_dir.string();
    options.access = gateway::StoreAccess::kCreate;
    auto state = gateway::open_gateway_store(options).value();
    platform::OpensslVerifierFactory verifiers;
    platform::SystemClock clock;
    gateway::DeviceRegistry(*state, sha, verifiers).enrol(device->public_key()).value();
    gateway::BlockIngest ingest(*state, sha, verifiers, clock);
    ingest.ingest(device_id.hex(), first.encoded).value();
    // Then a key rotation (to the fuzz gateway key standing in for the
    // device's next key) and a block signed by the new key: seq 7's proof
    // carries the rotation.
    proto::Entry rotation = reading(6, proto::VitalKind::kHeartRate, 0, 0);
    proto::Event rotation_event;
    rotation_event.kind = proto::EventKind::kKeyRotation;
    rotation_event.key_index = 1;
    rotation_event.public_key.assign(gateway->public_key().begin(), gateway->public_key().end());
    rotation.body = rotation_event;
    Digest previous = first.hash;
    for (auto [height, entry, signer] :
         {std::tuple{1, rotation, device.get()},
          std::tuple{2, reading(7, proto::VitalKind::kHeartRate, 70, 0), gateway.get()}}) {
      chain::PendingEntry item;
      item.bytes = proto::WireCodec::encode(entry).value();
      item.seq = entry.seq;
      item.time_ms = entry.time_ms;
      item.blinding = chain::EntryLeaf::blinding(sha, secret, entry.seq);
      chain::SealPosition next;
      next.device_id = device_id;
      next.height = static_cast<std::uint64_t>(height);
      next.previous_hash = previous;
      next.key_index = height == 2 ? 1 : 0;
      next.sealed_time_ms = std::uint64_t{1'760'000'020'000} + static_cast<std::uint64_t>(height);
      std::vector<chain::PendingEntry> items{item};
      auto sealed = chain::BlockSealer(sha, *signer).seal(next, items).value();
      ingest.ingest(device_id.hex(), sealed.encoded).value();
      previous = sealed.hash;
    }
    gateway::LocalLedger ledger(*state, sha, vs::testing::test_log_key("fuzz/proofs"));
    chain::ReceiptSigner receipts(sha, *gateway);
    gateway::BatchAnchorer(*state, sha, ledger, receipts).anchor(1'767'225'600'000, 16).value();
    platform::OpensslEd25519 ed25519;
    gateway::ProofExport proofs(*state, sha, verifiers, ed25519);
    for (auto [with_checkpoint, seq, name] :
         {std::tuple{true, 1, "proof-checkpoint"}, std::tuple{false, 1, "proof"},
          std::tuple{true, 7, "proof-rotated-key"}}) {
      gateway::ProofExport::Request request;
      request.device = device_id;
      request.seq = static_cast<std::uint64_t>(seq);
      request.gateway_keys =
          chain::GatewayKeySet::one(sha, verifiers, gateway->public_key()).value();
      if (with_checkpoint) {
        request.checkpoint = ledger.checkpoint().value();
        request.log_key = ledger.log_key();
      }
      auto exported = proofs.build(request).value();
      std::string text = proto::ProofBundleJson::encode(exported.bundle);
      write(out / "proof", name, as_bytes(text));
    }
    state.reset();
    std::filesystem::remove_all(store_dir);
  }
  // Signed notes: a checkpoint of the fuzz log, a witness request for it,
  // the log's vkey and a witness's.
  {
    platform::OpensslEd25519 ed25519;
    chain::NoteSignerKey log_key = vs::testing::test_log_key("fuzz/notes");
    chain::LogCheckpoint checkpoint{"fuzz/notes", 3, sha.digest(as_bytes("root"))};
    std::string note = checkpoint.sign(log_key).value();
    write(out / "signed_note", "checkpoint", as_bytes(note));
    chain::Witness::Request request;
    request.old_size = 2;
    request.proof = {sha.digest(as_bytes("a")), sha.digest(as_bytes("b"))};
    request.checkpoint = note;
    write(out / "signed_note", "request", as_bytes(request.serialize()));
    request.old_size = 0;
    request.proof.clear();
    write(out / "signed_note", "request-first", as_bytes(request.serialize()));
    write(out / "signed_note", "vkey", as_bytes(log_key.verifier.text()));
    auto witness = chain::NoteSignerKey::make(sha, ed25519, "fuzz/witness",
                                              chain::NoteKeyType::kCosignature, Bytes(32, 7))
                       .value();
    write(out / "signed_note", "witness-vkey", as_bytes(witness.verifier.text()));
  }
  // A trusted gateway keys file after a rotation (the fuzz gateway key, then
  // the fuzz device key standing in for the next one).
  {
    platform::MbedtlsVerifierFactory verifiers;
    auto keys = chain::GatewayKeySet::one(sha, verifiers, gateway->public_key(), "gateway").value();
    if (!keys.rotate_to(sha, verifiers, "gateway-2", device->public_key(), 1'764'741'600'000))
      return 1;
    write(out / "gateway_keys", "rotated", as_bytes(keys.text()));
  }
  std::printf("corpus written to %s\n", out.c_str());
  return 0;
}
