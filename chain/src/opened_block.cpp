#include "vs/chain/opened_block.h"

#include "vs/proto/wire_codec.h"

namespace vs::chain {

Result<OpenedBlock> OpenedBlock::open(const platform::Sha256& sha, ByteView bytes) {
  OpenedBlock out;
  auto block = proto::WireCodec::decode_block(bytes);
  if (!block) return std::move(block).error().about("block");
  out.block = std::move(block).value();
  auto header = proto::WireCodec::decode_block_header(out.block.header);
  if (!header) return std::move(header).error().about("block header");
  out.header = std::move(header).value();
  out.hash = sha.digest(out.block.header);
  return out;
}

}  // namespace vs::chain
