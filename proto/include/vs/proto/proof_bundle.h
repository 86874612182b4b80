// C++ view of a proof bundle: everything an auditor needs to check one
// reading offline, link by link, from its exact bytes to the ledger. It
// travels as a versioned JSON file (platform/json ProofBundleJson); the
// byte fields are the exact bytes that were hashed and signed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vs::proto {

inline constexpr const char* kProofFormat = "vitalsign-proof";
inline constexpr std::uint32_t kProofVersion = 1;

// What a proof proves, in words for people. A verifier derives it from the
// links it checked and refuses a file whose words say anything else.
struct ProofAbout {
  std::string device;  // the device id, hex
  std::uint64_t seq = 0;
  std::string reading;  // the entry described: seq, time, kind, value, unit
  std::uint64_t block_height = 0;
  std::string ledger;  // "local <origin>" or "evm <chain id>"

  bool operator==(const ProofAbout&) const = default;
};

// How the device's key came to be the one that signed a later block: the
// block that announced the next key (signed by the key before it) and, in
// it, the key rotation event with its blinding and path to that block's
// entries root.
struct ProofKeyRotation {
  std::vector<std::uint8_t> block_header;  // encoded BlockHeader, as signed
  std::vector<std::uint8_t> block_signature;
  std::vector<std::uint8_t> entry;     // the encoded key rotation event Entry
  std::vector<std::uint8_t> blinding;  // 32 bytes
  std::uint64_t entry_index = 0;
  std::vector<std::vector<std::uint8_t>> entry_path;

  bool operator==(const ProofKeyRotation&) const = default;
};

struct ProofBundle {
  std::uint32_t version = kProofVersion;
  ProofAbout about;
  std::vector<std::uint8_t> device_id;
  std::uint64_t seq = 0;
  // The reading.
  std::vector<std::uint8_t> entry;            // encoded Entry
  std::vector<std::uint8_t> blinding;         // 32 bytes
  std::vector<std::uint8_t> entry_signature;  // empty when the entry was not signed alone
  // Entry -> block.
  std::uint64_t entry_index = 0;
  std::vector<std::vector<std::uint8_t>> entry_path;
  std::vector<std::uint8_t> block_header;  // encoded BlockHeader, as signed
  std::vector<std::uint8_t> block_signature;
  std::vector<std::uint8_t> device_public_key;  // the device's first key (DER): its id
  // From the first key to the one the header names (its key index): one
  // rotation each, in order. Empty for a block of the first key.
  std::vector<ProofKeyRotation> key_rotations;
  // Block -> batch root (copies of what the signed receipt says, for people
  // to read; they must match it).
  std::uint64_t batch_id = 0;
  std::vector<std::uint8_t> batch_root;
  std::uint64_t batch_size = 0;
  std::uint64_t leaf_index = 0;
  std::vector<std::vector<std::uint8_t>> batch_path;
  std::vector<std::uint8_t> receipt;             // encoded Receipt, as signed by the gateway
  std::vector<std::uint8_t> gateway_public_key;  // must be the key the verifier trusts
  // Batch root -> ledger, for the local ledger: its entry, that entry's
  // path in the log's tree, and a signed checkpoint of the log.
  std::vector<std::uint8_t> ledger_entry;
  std::uint64_t ledger_size = 0;
  std::vector<std::vector<std::uint8_t>> ledger_path;
  std::string checkpoint;

  bool operator==(const ProofBundle&) const = default;
};

}  // namespace vs::proto
