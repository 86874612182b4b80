#include "vs/chain/block_fault.h"

namespace vs::chain {

const char* to_string(BlockFault fault) {
  switch (fault) {
    case BlockFault::kNone:
      return "none";
    case BlockFault::kFormat:
      return "format";
    case BlockFault::kDevice:
      return "device";
    case BlockFault::kSignature:
      return "signature";
    case BlockFault::kContent:
      return "content";
    case BlockFault::kLink:
      return "link";
  }
  return "unknown";
}

}  // namespace vs::chain
