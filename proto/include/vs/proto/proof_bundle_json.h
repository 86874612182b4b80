#pragma once

#include <string>
#include <string_view>

#include "vs/platform/result.h"
#include "vs/proto/proof_bundle.h"

namespace vs::proto {

// A proof bundle as one self-describing JSON file: "format" and "version"
// first, an "about" object (device, seq, the reading described, block
// height, ledger) for people, which verification derives again and compares,
// then byte fields as lowercase hex. Reading is strict: the file must be
// byte for byte what encode() writes for the values it holds (so no space,
// escape or order can change unseen); an unknown version, a missing, extra or
// mistyped field, upper-case or bad hex, or a file over 1 MiB is an error
// naming the field.
class ProofBundleJson {
 public:
  static std::string encode(const ProofBundle& bundle);
  static Result<ProofBundle> decode(std::string_view text);
};

}  // namespace vs::proto
