#include "canonical_form.h"

#include <pb_common.h>

#include <algorithm>

namespace vs::proto {
namespace {

constexpr std::uint32_t kWireVarint = 0;
constexpr std::uint32_t kWireLengthDelimited = 2;
constexpr int kMaxDepth = 8;

// A varint as nanopb writes it: at most 10 bytes, no byte of only padding
// at the end (a lone 0x00 is the value 0).
bool read_minimal_varint(const std::uint8_t*& at, const std::uint8_t* end, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 70 && at != end; shift += 7) {
    std::uint8_t byte = *at++;
    if (shift == 63 && byte > 1) return false;  // beyond 64 bits
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return byte != 0 || shift == 0;
  }
  return false;  // truncated or longer than 10 bytes
}

}  // namespace

CanonicalForm::CanonicalForm(const pb_msgdesc_t* fields, std::size_t message_size, int depth) {
  rules_.resize(static_cast<std::size_t>(fields->largest_tag) + 1);
  if (depth > kMaxDepth) {
    supported_ = false;
    return;
  }
  auto zeroed = std::make_unique<std::uint8_t[]>(message_size);  // value-initialized
  pb_field_iter_t field;
  if (!pb_field_iter_begin(&field, fields, zeroed.get())) return;  // no fields: only empty bytes
  pb_size_t previous_tag = 0;
  std::vector<const void*> oneof_selectors;
  auto inside = [&](const void* pointer) {
    const auto* byte = static_cast<const std::uint8_t*>(pointer);
    return byte >= zeroed.get() && byte < zeroed.get() + message_size;
  };
  do {
    // The encoder writes fields in descriptor order; the rules need that
    // to be field number order.
    if (field.tag <= previous_tag || PB_ATYPE(field.type) != PB_ATYPE_STATIC) supported_ = false;
    previous_tag = field.tag;
    FieldRule& rule = rules_[field.tag];
    pb_type_t ltype = PB_LTYPE(field.type);
    pb_type_t htype = PB_HTYPE(field.type);
    bool repeated = htype == PB_HTYPE_REPEATED;
    if (htype == PB_HTYPE_ONEOF) {
      rule.always_present = true;
      auto known = std::find(oneof_selectors.begin(), oneof_selectors.end(), field.pSize);
      if (known == oneof_selectors.end()) known = oneof_selectors.insert(known, field.pSize);
      auto index = known - oneof_selectors.begin();
      if (index < 32) {
        rule.oneof_bit = std::uint32_t{1} << index;
      } else {
        supported_ = false;
      }
    } else if (htype == PB_HTYPE_OPTIONAL && field.pSize != nullptr) {
      rule.always_present = true;  // has_ field
    } else if (repeated && !inside(field.pSize)) {
      supported_ = false;  // a fixed-count array: always written whole
    } else if (htype != PB_HTYPE_SINGULAR && !repeated) {
      supported_ = false;  // required
    }
    switch (ltype) {
      case PB_LTYPE_BOOL:
        rule.content = Content::kBool;
        if (repeated) supported_ = false;
        break;
      case PB_LTYPE_VARINT:
      case PB_LTYPE_UVARINT:
      case PB_LTYPE_SVARINT:
        rule.content = repeated ? Content::kPackedVarint : Content::kVarint;
        break;
      case PB_LTYPE_STRING:
        rule.content = Content::kString;
        rule.repeats = repeated;
        break;
      case PB_LTYPE_BYTES:
        rule.content = Content::kBytes;
        rule.repeats = repeated;
        break;
      case PB_LTYPE_SUBMESSAGE:
        rule.content = Content::kMessage;
        rule.repeats = repeated;
        submessages_.push_back(std::unique_ptr<CanonicalForm>(
            new CanonicalForm(field.submsg_desc, field.data_size, depth + 1)));
        rule.message = submessages_.back().get();
        if (!rule.message->supported()) supported_ = false;
        break;
      default:  // fixed-width numbers, fixed-length bytes, callbacks, extensions
        supported_ = false;
        break;
    }
  } while (pb_field_iter_next(&field));
}

bool CanonicalForm::check(ByteView bytes) const {
  const std::uint8_t* at = bytes.data();
  const std::uint8_t* end = at + bytes.size();
  std::uint64_t previous_tag = 0;
  std::uint32_t oneofs_seen = 0;
  while (at != end) {
    std::uint64_t key = 0;
    if (!read_minimal_varint(at, end, key)) return false;
    std::uint64_t tag = key >> 3;
    auto wire_type = static_cast<std::uint32_t>(key & 7);
    if (tag == 0 || tag >= rules_.size()) return false;
    const FieldRule& rule = rules_[static_cast<std::size_t>(tag)];  // below rules_.size()
    if (rule.content == Content::kUnknown) return false;
    if (tag < previous_tag || (tag == previous_tag && !rule.repeats)) return false;
    previous_tag = tag;
    // Two members of one oneof: the decoder keeps the last, the encoder
    // writes only that one.
    if ((oneofs_seen & rule.oneof_bit) != 0) return false;
    oneofs_seen |= rule.oneof_bit;
    if (!check_field(rule, wire_type, at, end)) return false;
  }
  return true;
}

bool CanonicalForm::check_field(const FieldRule& rule, std::uint32_t wire_type,
                                const std::uint8_t*& at, const std::uint8_t* end) const {
  std::uint64_t value = 0;
  switch (rule.content) {
    case Content::kVarint:
      if (wire_type != kWireVarint || !read_minimal_varint(at, end, value)) return false;
      return value != 0 || rule.always_present;
    case Content::kBool:
      if (wire_type != kWireVarint || !read_minimal_varint(at, end, value)) return false;
      return value == 1 || (value == 0 && rule.always_present);
    case Content::kUnknown:
      return false;
    default:
      break;
  }
  std::uint64_t length = 0;
  if (wire_type != kWireLengthDelimited || !read_minimal_varint(at, end, length)) return false;
  if (length > static_cast<std::uint64_t>(end - at)) return false;
  const std::uint8_t* content_end = at + length;
  ByteView content(at, content_end);
  at = content_end;
  bool may_be_empty = rule.always_present || rule.repeats;
  switch (rule.content) {
    case Content::kPackedVarint: {
      if (content.empty()) return false;  // an empty array is not written
      const std::uint8_t* item = content.data();
      while (item != content_end)
        if (!read_minimal_varint(item, content_end, value)) return false;
      return true;
    }
    case Content::kString:
      if (content.empty()) return may_be_empty;
      return std::find(content.begin(), content.end(), 0) == content.end();
    case Content::kBytes:
      return !content.empty() || may_be_empty;
    case Content::kMessage:
      if (content.empty()) return may_be_empty;  // else all-default, not written
      return rule.message->check(content);
    default:
      return false;
  }
}

}  // namespace vs::proto
