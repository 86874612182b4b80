#pragma once

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"
#include "vs/platform/sha256.h"
#include "vs/proto/block.h"

namespace vs::chain {

// A block from its bytes, the one way every reader opens one: the outer
// message, its header decoded (canonical form checked), and the block hash
// (SHA-256 of the header bytes exactly as they travelled). Nothing here is
// verified: that is BlockVerifier's and ChainVerifier's work.
struct OpenedBlock {
  proto::Block block;
  proto::BlockHeader header;
  Digest hash{};

  // kMalformed naming "block" or "block header" when the bytes do not decode.
  static Result<OpenedBlock> open(const platform::Sha256& sha, ByteView bytes);
};

}  // namespace vs::chain
