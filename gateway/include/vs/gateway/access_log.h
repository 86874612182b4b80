#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vs/chain/device_id.h"
#include "vs/gateway/gateway_state.h"
#include "vs/platform/sha256.h"
#include "vs/proto/receipt.h"

namespace vs::gateway {

// One export of a device's readings: who took what, for whom, when. Kept as
// a few lines of text (the exact bytes that are hashed and anchored), so an
// auditor reads the record they check.
struct AccessRecord {
  std::uint64_t time_ms = 0;
  std::string by;         // who ran the export (the operating-system user)
  std::string recipient;  // whose consent it was made under; empty: none named
  std::string device_hex;
  std::optional<std::uint64_t> from_ms, to_ms, seq;
  std::uint64_t readings = 0;
  std::string purpose;      // "fhir export", "proof export"
  std::string output_hash;  // SHA-256 of what was handed out, hex

  std::string encode() const;
  static Result<AccessRecord> decode(std::string_view text);
  bool operator==(const AccessRecord&) const = default;
};

struct LoggedAccess {
  AccessRecord record;
  Digest hash{};                              // SHA-256 of the record's text: its batch leaf
  std::optional<proto::ReceiptBody> receipt;  // once a batch anchored it
};

// Access to the data is auditable like the data: each export is written to
// the gateway's state and queued for anchoring in one
// transaction, under a reserved device id that no key hashes to, so the
// gateway's next batch anchors its hash with the readings' blocks and
// stores a receipt for it (never published: no device listens). Safe while
// the gateway runs (LMDB serialises writers across processes).
class AccessLog {
 public:
  AccessLog(GatewayState& state, const platform::Sha256& sha) : state_(state), sha_(sha) {}

  // Rejects text fields that would break the record's line format.
  Result<LoggedAccess> record(const AccessRecord& record);
  // What every export does before it hands `output` out: stamps the record
  // with the time (when it has none) and the output's SHA-256, and records it.
  Result<LoggedAccess> record_export(AccessRecord record, std::string_view output);
  Result<std::vector<LoggedAccess>> list() const;

  static const chain::DeviceId& log_device();

 private:
  GatewayState& state_;
  const platform::Sha256& sha_;
};

}  // namespace vs::gateway
