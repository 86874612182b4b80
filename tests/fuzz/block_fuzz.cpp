// Outside bytes: a Block as it arrives on vs/v1/{device}/blocks, through the
// chain verifier and through the gateway's whole ingest (registry, holding,
// duplicates, equivocation, the store). Promise: any input gives a verified
// block or an error; no crash, no leak, no UB; a header that decodes is
// canonical (it is what encoding it again gives).
#include <cstddef>
#include <cstdint>

#include "fakes/memory_store.h"
#include "fuzz_context.h"
#include "vs/chain/block_verifier.h"
#include "vs/chain/chain_verifier.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/proto/wire_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& context = vs::fuzz::FuzzContext::get();
  vs::ByteView input(data, size);
  if (auto block = vs::proto::WireCodec::decode_block(input)) {
    if (auto header = vs::proto::WireCodec::decode_block_header(block->header)) {
      auto again = vs::proto::WireCodec::encode(*header);
      if (!again || !vs::equal(*again, block->header)) __builtin_trap();
    }
  }
  auto verified =
      vs::chain::BlockVerifier(context.sha).verify(input, context.device, *context.device_key);
  if (verified && verified->entries.size() != verified->header.entry_count) __builtin_trap();
  auto chain =
      vs::chain::ChainVerifier::from_genesis(context.sha, context.keys, context.device_public_key);
  if (chain) (void)chain->append(input);

  static vs::testing::MemoryStore store(vs::gateway::kGatewayTableNames.size());
  static auto state = vs::gateway::make_key_value_gateway_state(store);
  static vs::platform::SystemClock clock;
  static vs::gateway::BlockIngest ingest(*state, context.sha, context.keys, clock);
  static bool enrolled = vs::gateway::DeviceRegistry(*state, context.sha, context.keys)
                             .enrol(context.device_public_key)
                             .ok();
  if (!enrolled) __builtin_trap();
  auto result = ingest.ingest(context.device.hex(), input);
  if (result && result->kind == vs::gateway::IngestResult::Kind::kAccepted &&
      result->accepted.empty())
    __builtin_trap();
  return 0;
}
