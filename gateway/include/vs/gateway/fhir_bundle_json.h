#pragma once

#include <string>
#include <vector>

#include "vs/platform/bytes.h"
#include "vs/platform/sha256.h"
#include "vs/proto/block.h"
#include "vs/proto/entry.h"
#include "vs/proto/receipt.h"

namespace vs::gateway {

// One verified reading and the pseudonym its device was enrolled under when
// it was taken (empty when no enrolment event came before it).
struct FhirReading {
  proto::Entry entry;
  std::string subject;
};

// One accepted, anchored block: its exported readings in seq order and what
// its Provenance carries (the device's signature, the anchor).
struct FhirBlock {
  proto::BlockHeader header;
  Bytes block_hash;  // SHA-256 of the header bytes, as the receipt names it
  Bytes signature;   // the device's ECDSA P-256 r || s over that hash
  proto::ReceiptBody receipt;
  std::vector<FhirReading> readings;
};

struct FhirDeviceExport {
  std::string device_hex;
  bool revoked = false;
  std::vector<FhirBlock> blocks;
};

// Verified readings as an HL7 FHIR R4 transaction Bundle: one Device, one
// vital-signs Observation per reading (LOINC codes, UCUM units, the
// profile of its kind; systolic and diastolic taken together become one
// blood-pressure panel; ECG and PPG segments become SampledData with MDC
// codes), and one Provenance per block carrying the device's signature and
// the anchor. Observations and the Device are conditional creates on
// their identifiers (a re-import creates nothing new); a Provenance is a PUT
// on an id derived from device and height. Every fullUrl is a UUID derived
// from what the resource stands for, so the same export gives the same bytes.
class FhirBundleJson {
 public:
  static std::string encode(const FhirDeviceExport& device, const platform::Sha256& sha);
  // The number of Observations `encode` makes of these readings.
  static std::size_t observation_count(const FhirDeviceExport& device);
};

}  // namespace vs::gateway
