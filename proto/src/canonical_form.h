// Private to the codec.
#pragma once

#include <pb.h>

#include <memory>
#include <vector>

#include "vs/platform/bytes.h"

namespace vs::proto {

// Canonical form checked on the bytes themselves: are they exactly what
// nanopb's encoder writes for the message they decode to? That is, for a
// proto3 message: fields in ascending number order, each once (a repeated
// string, bytes or message field: its items one after another, a repeated
// number: one packed run); minimal varints; a singular field without presence
// only when not zero or empty; a bool as 1 (or 0 where presence is explicit);
// a string without NUL (nanopb ends strings at one); at most one member of a
// oneof; no unknown field; submessages canonical in turn.
//
// Re-encoding the decoded message and comparing says the same, but walking
// nanopb's descriptors to encode costs more than the decode itself; these
// rules are read from the same descriptors once. Field kinds they do not
// cover (fixed-width numbers, callbacks, pointers, extensions, required
// fields) make the message unsupported(): wire_codec asserts that no hashed
// message is. The fuzz targets keep the rules honest in both directions:
// what decodes re-encodes to itself, and what the encoder writes decodes.
class CanonicalForm {
 public:
  // The rules for `Message` (a nanopb struct) and the messages inside it.
  template <typename Message>
  static CanonicalForm of(const pb_msgdesc_t* fields) {
    return CanonicalForm(fields, sizeof(Message), 0);
  }

  bool supported() const { return supported_; }
  // Any bytes (bounds are checked here too); meant for those that pb_decode
  // accepted for this message. False: not in canonical form.
  bool check(ByteView bytes) const;

 private:
  enum class Content : std::uint8_t {
    kUnknown,       // no such field
    kVarint,        // int, uint, sint, enum
    kBool,          // varint 0 or 1
    kPackedVarint,  // repeated number: one length-delimited run of varints
    kString,        // UTF-8 checked later; here: no NUL
    kBytes,
    kMessage,
  };
  struct FieldRule {
    Content content = Content::kUnknown;
    bool always_present = false;  // presence is explicit (oneof, has_): zero or empty is written
    bool repeats = false;         // a repeated string, bytes or message field
    std::uint32_t oneof_bit = 0;  // which oneof of the message it belongs to, if any
    const CanonicalForm* message = nullptr;
  };

  // Field offsets are read from a zeroed instance of `message_size` bytes
  // (oneof members share one selector). `depth` stops a message that holds
  // itself.
  CanonicalForm(const pb_msgdesc_t* fields, std::size_t message_size, int depth);
  bool check_field(const FieldRule& rule, std::uint32_t wire_type, const std::uint8_t*& at,
                   const std::uint8_t* end) const;

  bool supported_ = true;
  std::vector<FieldRule> rules_;  // by field number
  std::vector<std::unique_ptr<CanonicalForm>> submessages_;
};

}  // namespace vs::proto
