// C++ view of block.proto.
#pragma once

#include <cstdint>
#include <vector>

namespace vs::proto {

enum class SealReason : std::uint32_t {
  kUnspecified = 0,
  kCount = 1,
  kTime = 2,
  kAlarm = 3,
  kShutdown = 4,
  kKeyRotation = 5,
};
inline constexpr std::uint32_t kMaxSealReason = 5;

inline const char* seal_reason_name(SealReason reason) {
  switch (reason) {
    case SealReason::kCount:
      return "count";
    case SealReason::kTime:
      return "time";
    case SealReason::kAlarm:
      return "alarm";
    case SealReason::kShutdown:
      return "shutdown";
    case SealReason::kKeyRotation:
      return "key rotation";
    case SealReason::kUnspecified:
      break;
  }
  return "unspecified";
}

struct BlockHeader {
  std::uint32_t version = 0;
  std::vector<std::uint8_t> device_id;
  std::uint64_t height = 0;
  std::vector<std::uint8_t> previous_hash;
  std::vector<std::uint8_t> entries_root;
  std::uint32_t entry_count = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t first_time_ms = 0;
  std::uint64_t last_time_ms = 0;
  std::uint64_t sealed_time_ms = 0;
  std::uint32_t key_index = 0;
  std::uint64_t anchor_batch_id = 0;
  std::vector<std::uint8_t> anchor_batch_root;
  SealReason seal_reason = SealReason::kUnspecified;

  bool operator==(const BlockHeader&) const = default;
};

// Everything is kept as the exact bytes that travel: hashes and signatures
// cover these, never a re-encoding.
struct Block {
  std::vector<std::uint8_t> header;
  std::vector<std::uint8_t> signature;
  std::vector<std::vector<std::uint8_t>> entries;
  std::vector<std::vector<std::uint8_t>> blindings;
  std::vector<std::vector<std::uint8_t>> entry_signatures;

  bool operator==(const Block&) const = default;
};

}  // namespace vs::proto
