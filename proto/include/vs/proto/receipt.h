// C++ view of receipt.proto.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vs::proto {

enum class ReceiptState : std::uint32_t {
  kUnspecified = 0,
  kPending = 1,
  kAnchored = 2,
  kFinal = 3,
};
inline constexpr std::uint32_t kMaxReceiptState = 3;

inline const char* receipt_state_name(ReceiptState state) {
  switch (state) {
    case ReceiptState::kPending:
      return "pending";
    case ReceiptState::kAnchored:
      return "anchored";
    case ReceiptState::kFinal:
      return "final";
    case ReceiptState::kUnspecified:
      break;
  }
  return "unspecified";
}

enum class LedgerKind : std::uint32_t {
  kUnspecified = 0,
  kLocal = 1,
  kEvm = 2,
};
inline constexpr std::uint32_t kMaxLedgerKind = 2;

struct LedgerRef {
  LedgerKind kind = LedgerKind::kUnspecified;
  std::string chain_id;
  std::vector<std::uint8_t> transaction_id;
  std::uint64_t ledger_height = 0;
  std::vector<std::uint8_t> ledger_block_hash;
  std::uint64_t ledger_time_ms = 0;
  std::uint32_t confirmations = 0;

  bool operator==(const LedgerRef&) const = default;
};

struct ReceiptBody {
  std::uint32_t version = 0;
  std::vector<std::uint8_t> device_id;
  std::uint64_t block_height = 0;
  std::vector<std::uint8_t> block_hash;
  ReceiptState state = ReceiptState::kUnspecified;
  std::uint64_t batch_id = 0;
  std::vector<std::uint8_t> batch_root;
  std::uint64_t batch_size = 0;
  std::uint64_t leaf_index = 0;
  std::vector<std::vector<std::uint8_t>> inclusion_path;
  LedgerRef ledger;
  std::uint64_t issued_time_ms = 0;

  bool operator==(const ReceiptBody&) const = default;
};

struct Receipt {
  std::vector<std::uint8_t> body;
  std::vector<std::uint8_t> signature;
  std::vector<std::uint8_t> gateway_key_id;

  bool operator==(const Receipt&) const = default;
};

}  // namespace vs::proto
