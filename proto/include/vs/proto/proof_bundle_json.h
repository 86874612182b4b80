#pragma once

#include <string>
#include <string_view>

#include "vs/platform/result.h"
#include "vs/proto/proof_bundle.h"

namespace vs::proto {

// A proof bundle as one self-describing JSON file: "format" and "version"
// first, byte fields as lowercase hex, and an "about" object (device, seq,
// the reading decoded) for people, which verification never trusts.
// Reading is strict: an unknown version, a missing or mistyped field, bad
// hex or a file over 1 MiB is an error naming the field.
class ProofBundleJson {
 public:
  static std::string encode(const ProofBundle& bundle, const std::string& about_json);
  static Result<ProofBundle> decode(std::string_view text);
};

}  // namespace vs::proto
