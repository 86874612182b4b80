// A simulated device for chain tests: its own key, blinding secret and
// chain position, sealing blocks exactly as the agent does.
#pragma once

#include <memory>
#include <vector>

#include "vs/chain/block_sealer.h"
#include "vs/chain/entry_leaf.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/proto/wire_codec.h"

namespace vs::testing {

inline proto::Entry heart_rate_entry(std::uint64_t seq, std::int64_t beats_per_minute = 72) {
  proto::Entry entry;
  entry.seq = seq;
  entry.time_ms = 1'760'000'000'000ULL + seq * 1000;
  proto::Reading reading;
  reading.kind = proto::VitalKind::kHeartRate;
  reading.mantissa = beats_per_minute;
  entry.body = reading;
  return entry;
}

class TestDevice {
 public:
  TestDevice() : TestDevice(platform::MbedtlsSigner::generate().value()) {}
  // With a given key (benchmarks use OpenSSL's, faster to make by thousands).
  explicit TestDevice(std::unique_ptr<platform::Signer> signer)
      : signer_(std::move(signer)),
        device_id_(chain::DeviceId::from_public_key(sha_, signer_->public_key())),
        secret_(32, 0x5a) {}

  const platform::Sha256& sha() const { return sha_; }
  platform::Signer& signer() { return *signer_; }
  ByteView public_key() const { return signer_->public_key(); }
  const chain::DeviceId& id() const { return device_id_; }

  chain::PendingEntry pending(const proto::Entry& entry, bool sign_entry) {
    chain::PendingEntry pending;
    pending.bytes = proto::WireCodec::encode(entry).value();
    pending.seq = entry.seq;
    pending.time_ms = entry.time_ms;
    pending.blinding = chain::EntryLeaf::blinding(sha_, secret_, entry.seq);
    if (sign_entry) pending.signature = sealer().sign_entry(pending.bytes).value();
    return pending;
  }

  // Seals the next block of `count` heart-rate readings.
  chain::SealedBlock seal_next(std::size_t count, bool sign_entries = true) {
    std::vector<proto::Entry> entries;
    for (std::size_t i = 0; i < count; ++i) entries.push_back(heart_rate_entry(next_seq_ + i));
    return seal_entries(entries, sign_entries);
  }

  chain::SealedBlock seal_entries(const std::vector<proto::Entry>& entries,
                                  bool sign_entries = true) {
    auto sealed = seal_at(next_height_, previous_hash_, entries, sign_entries);
    next_height_ += 1;
    previous_hash_ = sealed.hash;
    next_seq_ = entries.back().seq + 1;
    return sealed;
  }

  // A block this device signs at any position, without moving its own chain:
  // forks, gaps and skipped seq for tests that need a dishonest device.
  chain::SealedBlock seal_at(std::uint64_t height, const Digest& previous_hash,
                             const std::vector<proto::Entry>& entries, bool sign_entries = false) {
    std::vector<chain::PendingEntry> pending_entries;
    for (const proto::Entry& entry : entries)
      pending_entries.push_back(pending(entry, sign_entries));
    chain::SealPosition position;
    position.device_id = device_id_;
    position.height = height;
    position.previous_hash = previous_hash;
    position.key_index = key_index_;
    position.sealed_time_ms = entries.back().time_ms + 1;
    return sealer().seal(position, pending_entries).value();
  }

  std::uint64_t next_seq() const { return next_seq_; }

  // Rotates to a new key: the rotation event goes into the next block,
  // signed by the old key; later blocks use the new one.
  proto::Entry rotation_event(platform::Signer& new_key) {
    proto::Entry entry = heart_rate_entry(next_seq_);
    proto::Event event;
    event.kind = proto::EventKind::kKeyRotation;
    event.key_index = key_index_ + 1;
    event.public_key.assign(new_key.public_key().begin(), new_key.public_key().end());
    entry.body = event;
    return entry;
  }
  void switch_key(std::unique_ptr<platform::MbedtlsSigner> new_key) {
    signer_ = std::move(new_key);
    key_index_ += 1;
  }

 private:
  chain::BlockSealer sealer() { return chain::BlockSealer(sha_, *signer_); }

  platform::MbedtlsSha256 sha_;
  std::unique_ptr<platform::Signer> signer_;
  chain::DeviceId device_id_;
  Bytes secret_;
  std::uint64_t next_height_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint32_t key_index_ = 0;
  Digest previous_hash_{};
};

}  // namespace vs::testing
