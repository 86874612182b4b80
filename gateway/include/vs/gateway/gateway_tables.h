// The embedded backend's schema: the gateway's tables in one key-value
// Store (LMDB), their keys and their values. Only the key-value backend
// (key_value_gateway_state.cpp) and the tests of its on-disk layout include
// this; tools never do (scripts/check_layers.sh).
#pragma once

#include <string>
#include <vector>

#include "vs/chain/device_id.h"
#include "vs/platform/bytes.h"
#include "vs/platform/store.h"
#include "vs/platform/store_format.h"

namespace vs::gateway {

enum GatewayTable : platform::TableId {
  kDevicesTable = 0,   // device id -> flags (1) | key count (2) | count x (length (2) | DER key)
  kTipsTable = 1,      // device id -> chain::ChainTip::encode()
  kBlocksTable = 2,    // device id | height -> accepted block, as it arrived
  kHeldTable = 3,      // device id | height -> block past a gap, verified on its own
  kEvidenceTable = 4,  // device id | height | hash -> the second block at a height
  kLedgerTable = 5,    // index -> local ledger entry (LocalLedger)
  // arrival ms | device id | height -> block hash: accepted, not yet in an
  // anchored batch, oldest first (a batch takes the blocks that waited
  // longest, whatever their device). Written in the transaction that accepts
  // the block, erased in the one that stores its receipt: each accepted
  // block is anchored exactly once.
  kUnanchoredTable = 6,
  kReceiptsTable = 7,  // device id | height -> the latest receipt, as published
  // "next_batch_id" -> 8 bytes; "anchor_lease" -> expires ms (8) | holder
  // name; "member:" name -> last heartbeat ms (8); "anchor_intent" -> batch
  // id (8) | root (32) | count (4) | count x (arrival ms (8) | device id |
  // height (8) | block hash (32)) | the prepared ledger transaction
  kMetaTable = 8,
  // batch id -> root (32) | count (4) | count x (device id | height), while
  // its anchor is not final (ledgers that can reorganise only).
  kBatchesTable = 9,
  kCertificatesTable = 10,  // device id -> its TLS certificate (DER), when it uses one
  kAnchorsTable = 11,       // batch id -> AnchorRecord::encode()
  kAccessTable = 12,        // time | order -> an export's AccessRecord text
};
inline const std::vector<std::string> kGatewayTableNames{
    "devices",  "tips", "blocks",  "held",         "evidence", "ledger", "unanchored",
    "receipts", "meta", "batches", "certificates", "anchors",  "access"};

// The layout of these tables and their keys (see README.md); a store
// written in another format is refused, never misread.
inline constexpr platform::StoreFormat kGatewayStoreFormat{"gateway store", kMetaTable, 1};

Bytes device_key(const chain::DeviceId& device);
Bytes height_key(const chain::DeviceId& device, std::uint64_t height);
// The unanchored table's key: arrival time (ms) then the height key.
Bytes queue_key(std::uint64_t arrival_ms, ByteView height_key);

}  // namespace vs::gateway
