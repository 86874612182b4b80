// nanopb behind WireCodec. Security model (after nanopb's own): every byte
// given to a decode_* function is untrusted. Decoding is bounded by the
// .options sizes and vs/proto/limits.h, never allocates more than those allow,
// and reports the field at fault. Hashed messages (Entry, BlockHeader,
// ReceiptBody) must also be in canonical form: exactly the bytes that
// re-encoding them would give (checked on the bytes, see CanonicalForm), so
// no two byte strings mean one record and nothing unknown can ride along
// under a signature.
#include "vs/proto/wire_codec.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "block.pb.h"
#include "canonical_form.h"
#include "control.pb.h"
#include "entry.pb.h"
#include "receipt.pb.h"
#include "vs/platform/assertion.h"
#include "vs/proto/limits.h"

namespace vs::proto {
namespace {

// A size limit broken: the limit in the message comes from its constant.
Error over_limit(ErrorCode code, const char* reason, std::size_t size, std::size_t limit,
                 const char* unit) {
  return Error(code, reason)
      .about(std::to_string(size) + " " + unit + ", at most " + std::to_string(limit));
}

template <typename Message>
Result<Bytes> encode_message(const pb_msgdesc_t* fields, const Message& message) {
  std::size_t size = 0;
  if (!pb_get_encoded_size(&size, fields, &message)) {
    return Error(ErrorCode::kInvalidArgument, "message cannot be encoded");
  }
  Bytes out(size);
  pb_ostream_t stream = pb_ostream_from_buffer(out.data(), out.size());
  if (!pb_encode(&stream, fields, &message)) {
    return Error(ErrorCode::kInvalidArgument, PB_GET_ERROR(&stream));
  }
  return out;
}

// `flags` for pb_decode_ex (PB_DECODE_NOINIT when the caller readied the
// message itself).
template <typename Message>
vs::Status decode_message(ByteView bytes, const pb_msgdesc_t* fields, Message& message,
                          unsigned int flags = 0) {
  pb_istream_t stream = pb_istream_from_buffer(bytes.data(), bytes.size());
  if (!pb_decode_ex(&stream, fields, &message, flags)) {
    // nanopb's error texts are static strings.
    return Error(ErrorCode::kMalformed, PB_GET_ERROR(&stream));
  }
  return {};
}

// Hashed messages must be exactly what the encoder writes for them; the
// rules are read from the message's descriptor once (see CanonicalForm).
template <typename Message>
vs::Status check_canonical(ByteView bytes, const pb_msgdesc_t* fields) {
  static const CanonicalForm form = CanonicalForm::of<Message>(fields);
  VS_ASSERT(form.supported());  // a schema change the rules do not cover
  if (form.check(bytes)) return {};
  return Error(ErrorCode::kMalformed,
               "not in canonical encoding (unknown fields, repeated fields or padding)");
}

template <typename Field>
vs::Status put_bytes(Field& field, ByteView value, const char* too_long) {
  if (value.size() > sizeof(field.bytes)) return Error(ErrorCode::kInvalidArgument, too_long);
  field.size = static_cast<pb_size_t>(value.size());
  if (!value.empty()) std::memcpy(field.bytes, value.data(), value.size());
  return {};
}

template <typename Field>
Bytes get_bytes(const Field& field) {
  return Bytes(field.bytes, field.bytes + field.size);
}

template <std::size_t N>
vs::Status put_string(char (&out)[N], const std::string& value, const char* too_long) {
  if (value.size() >= N || value.find('\0') != std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, too_long);
  }
  std::memcpy(out, value.c_str(), value.size() + 1);
  return {};
}

// nanopb stores any wire integer in a C enum field, and a C++ read of an
// out-of-range enum value is undefined behaviour (found by fuzzing): move
// enum fields through int32 with memcpy instead.
template <typename Enum>
std::uint32_t get_enum(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(std::int32_t));
  std::int32_t raw = 0;
  std::memcpy(&raw, &field, sizeof raw);
  return static_cast<std::uint32_t>(raw);
}

template <typename Enum, typename Value>
void set_enum(Enum& field, Value value) {
  static_assert(sizeof(Enum) == sizeof(std::int32_t));
  auto raw = static_cast<std::int32_t>(value);
  std::memcpy(&field, &raw, sizeof raw);
}

bool valid_utf8(const char* text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text);
  while (*p != 0) {
    int extra = 0;
    std::uint32_t code = 0;
    if (*p < 0x80) {
      ++p;
      continue;
    } else if ((*p & 0xe0) == 0xc0) {
      extra = 1;
      code = *p & 0x1f;
    } else if ((*p & 0xf0) == 0xe0) {
      extra = 2;
      code = *p & 0x0f;
    } else if ((*p & 0xf8) == 0xf0) {
      extra = 3;
      code = *p & 0x07;
    } else {
      return false;
    }
    ++p;
    for (int i = 0; i < extra; ++i, ++p) {
      if ((*p & 0xc0) != 0x80) return false;
      code = (code << 6) | (*p & 0x3f);
    }
    static constexpr std::uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
  }
  return true;
}

Result<std::string> get_string(const char* text, const char* not_utf8) {
  if (!valid_utf8(text)) return Error(ErrorCode::kMalformed, not_utf8);
  return std::string(text);
}

// ---- Entry ----------------------------------------------------------------

vs::Status to_wire(const proto::Entry& entry, vs_v1_Entry& wire) {
  wire.seq = entry.seq;
  wire.time_ms = entry.time_ms;
  if (const auto* reading = std::get_if<proto::Reading>(&entry.body)) {
    wire.which_body = vs_v1_Entry_reading_tag;
    vs_v1_Reading& out = wire.body.reading;
    set_enum(out.kind, reading->kind);
    out.mantissa = reading->mantissa;
    out.exponent = reading->exponent;
    out.quality = reading->quality;
    out.sample_rate_mhz = reading->sample_rate_mhz;
    if (reading->samples.size() > proto::kMaxWaveformSamples) {
      return over_limit(ErrorCode::kInvalidArgument, "reading has too many waveform samples",
                        reading->samples.size(), proto::kMaxWaveformSamples, "samples");
    }
    out.samples_count = static_cast<pb_size_t>(reading->samples.size());
    std::copy(reading->samples.begin(), reading->samples.end(), out.samples);
    return {};
  }
  const auto& event = std::get<proto::Event>(entry.body);
  wire.which_body = vs_v1_Entry_event_tag;
  vs_v1_Event& out = wire.body.event;
  set_enum(out.kind, event.kind);
  VS_TRY(put_string(out.subject, event.subject, "event subject is longer than 64 bytes"));
  VS_TRY(put_string(out.recipient, event.recipient, "event recipient is longer than 128 bytes"));
  VS_TRY(put_bytes(out.public_key, event.public_key, "event public key is longer than 160 bytes"));
  out.key_index = event.key_index;
  out.delta_ms = event.delta_ms;
  out.count = event.count;
  VS_TRY(put_string(out.text, event.text, "event text is longer than 128 bytes"));
  set_enum(out.vital, event.vital);
  return {};
}

Result<proto::Entry> from_wire(const vs_v1_Entry& wire) {
  proto::Entry entry;
  entry.seq = wire.seq;
  entry.time_ms = wire.time_ms;
  if (wire.which_body == vs_v1_Entry_reading_tag) {
    const vs_v1_Reading& in = wire.body.reading;
    auto kind = get_enum(in.kind);
    if (kind == 0 || kind > proto::kMaxVitalKind) {
      return Error(ErrorCode::kMalformed, "reading has an unknown vital kind");
    }
    proto::Reading reading;
    reading.kind = static_cast<proto::VitalKind>(kind);
    reading.mantissa = in.mantissa;
    reading.exponent = in.exponent;
    reading.quality = in.quality;
    reading.sample_rate_mhz = in.sample_rate_mhz;
    reading.samples.assign(in.samples, in.samples + in.samples_count);
    if (!reading.samples.empty() && reading.sample_rate_mhz == 0) {
      return Error(ErrorCode::kMalformed, "waveform reading has samples but no sample rate");
    }
    entry.body = std::move(reading);
    return entry;
  }
  if (wire.which_body == vs_v1_Entry_event_tag) {
    const vs_v1_Event& in = wire.body.event;
    auto kind = get_enum(in.kind);
    if (kind == 0 || kind > proto::kMaxEventKind) {
      return Error(ErrorCode::kMalformed, "event has an unknown kind");
    }
    auto vital = get_enum(in.vital);
    if (vital > proto::kMaxVitalKind) {
      return Error(ErrorCode::kMalformed, "event names an unknown vital kind");
    }
    proto::Event event;
    event.kind = static_cast<proto::EventKind>(kind);
    VS_TRY_ASSIGN(event.subject, get_string(in.subject, "event subject is not UTF-8"));
    VS_TRY_ASSIGN(event.recipient, get_string(in.recipient, "event recipient is not UTF-8"));
    event.public_key = get_bytes(in.public_key);
    event.key_index = in.key_index;
    event.delta_ms = in.delta_ms;
    event.count = in.count;
    VS_TRY_ASSIGN(event.text, get_string(in.text, "event text is not UTF-8"));
    event.vital = static_cast<proto::VitalKind>(vital);
    entry.body = std::move(event);
    return entry;
  }
  return Error(ErrorCode::kMalformed, "entry holds neither a reading nor an event");
}

// ---- BlockHeader ----------------------------------------------------------

vs::Status to_wire(const proto::BlockHeader& header, vs_v1_BlockHeader& wire) {
  wire.version = header.version;
  VS_TRY(put_bytes(wire.device_id, header.device_id, "device id is longer than 16 bytes"));
  wire.height = header.height;
  VS_TRY(
      put_bytes(wire.previous_hash, header.previous_hash, "previous hash is longer than 32 bytes"));
  VS_TRY(put_bytes(wire.entries_root, header.entries_root, "entries root is longer than 32 bytes"));
  wire.entry_count = header.entry_count;
  wire.first_seq = header.first_seq;
  wire.last_seq = header.last_seq;
  wire.first_time_ms = header.first_time_ms;
  wire.last_time_ms = header.last_time_ms;
  wire.sealed_time_ms = header.sealed_time_ms;
  wire.key_index = header.key_index;
  wire.anchor_batch_id = header.anchor_batch_id;
  VS_TRY(put_bytes(wire.anchor_batch_root, header.anchor_batch_root,
                   "anchor batch root is longer than 32 bytes"));
  set_enum(wire.seal_reason, header.seal_reason);
  return {};
}

Result<proto::BlockHeader> from_wire(const vs_v1_BlockHeader& wire) {
  proto::BlockHeader header;
  header.version = wire.version;
  header.device_id = get_bytes(wire.device_id);
  header.height = wire.height;
  header.previous_hash = get_bytes(wire.previous_hash);
  header.entries_root = get_bytes(wire.entries_root);
  header.entry_count = wire.entry_count;
  header.first_seq = wire.first_seq;
  header.last_seq = wire.last_seq;
  header.first_time_ms = wire.first_time_ms;
  header.last_time_ms = wire.last_time_ms;
  header.sealed_time_ms = wire.sealed_time_ms;
  header.key_index = wire.key_index;
  header.anchor_batch_id = wire.anchor_batch_id;
  header.anchor_batch_root = get_bytes(wire.anchor_batch_root);
  auto reason = get_enum(wire.seal_reason);
  if (reason > proto::kMaxSealReason) {
    return Error(ErrorCode::kMalformed, "block header has an unknown seal reason");
  }
  header.seal_reason = static_cast<proto::SealReason>(reason);
  return header;
}

// ---- Block: repeated bytes through callbacks, bounded ----------------------

struct RepeatedBytes {
  const std::vector<Bytes>* items = nullptr;  // encode
  std::vector<Bytes>* out = nullptr;          // decode
  std::size_t max_items = 0;
  std::size_t max_item_size = 0;
  const char* too_many = "";
  const char* too_large = "";
  const char* error = nullptr;  // set by the decode callback
};

bool encode_repeated_bytes(pb_ostream_t* stream, const pb_field_t* field, void* const* arg) {
  const auto* repeated = static_cast<const RepeatedBytes*>(*arg);
  for (const Bytes& item : *repeated->items) {
    if (!pb_encode_tag_for_field(stream, field)) return false;
    if (!pb_encode_string(stream, item.data(), item.size())) return false;
  }
  return true;
}

bool decode_repeated_bytes(pb_istream_t* stream, const pb_field_t*, void** arg) {
  auto* repeated = static_cast<RepeatedBytes*>(*arg);
  if (repeated->out->size() >= repeated->max_items) {
    repeated->error = repeated->too_many;
    return false;
  }
  if (stream->bytes_left > repeated->max_item_size) {
    repeated->error = repeated->too_large;
    return false;
  }
  Bytes item(stream->bytes_left);
  if (!pb_read(stream, item.data(), item.size())) return false;
  repeated->out->push_back(std::move(item));
  return true;
}

RepeatedBytes entries_field(std::size_t max_item_size, const char* too_many,
                            const char* too_large) {
  RepeatedBytes field;
  field.max_items = proto::kMaxBlockEntries;
  field.max_item_size = max_item_size;
  field.too_many = too_many;
  field.too_large = too_large;
  return field;
}

// ---- Receipt ---------------------------------------------------------------

vs::Status to_wire(const proto::ReceiptBody& body, vs_v1_ReceiptBody& wire) {
  wire.version = body.version;
  VS_TRY(put_bytes(wire.device_id, body.device_id, "device id is longer than 16 bytes"));
  wire.block_height = body.block_height;
  VS_TRY(put_bytes(wire.block_hash, body.block_hash, "block hash is longer than 32 bytes"));
  set_enum(wire.state, body.state);
  wire.batch_id = body.batch_id;
  VS_TRY(put_bytes(wire.batch_root, body.batch_root, "batch root is longer than 32 bytes"));
  wire.batch_size = body.batch_size;
  wire.leaf_index = body.leaf_index;
  if (body.inclusion_path.size() > proto::kMaxInclusionPath) {
    return over_limit(ErrorCode::kInvalidArgument, "inclusion path is too long",
                      body.inclusion_path.size(), proto::kMaxInclusionPath, "hashes");
  }
  wire.inclusion_path_count = static_cast<pb_size_t>(body.inclusion_path.size());
  for (std::size_t i = 0; i < body.inclusion_path.size(); ++i) {
    VS_TRY(put_bytes(wire.inclusion_path[i], body.inclusion_path[i],
                     "inclusion path hash is longer than 32 bytes"));
  }
  const proto::LedgerRef& ledger = body.ledger;
  wire.has_ledger = ledger.kind != proto::LedgerKind::kUnspecified;
  set_enum(wire.ledger.kind, ledger.kind);
  VS_TRY(put_string(wire.ledger.chain_id, ledger.chain_id, "chain id is longer than 64 bytes"));
  VS_TRY(put_bytes(wire.ledger.transaction_id, ledger.transaction_id,
                   "transaction id is longer than 32 bytes"));
  wire.ledger.ledger_height = ledger.ledger_height;
  VS_TRY(put_bytes(wire.ledger.ledger_block_hash, ledger.ledger_block_hash,
                   "ledger block hash is longer than 32 bytes"));
  wire.ledger.ledger_time_ms = ledger.ledger_time_ms;
  wire.ledger.confirmations = ledger.confirmations;
  wire.issued_time_ms = body.issued_time_ms;
  return {};
}

Result<proto::ReceiptBody> from_wire(const vs_v1_ReceiptBody& wire) {
  proto::ReceiptBody body;
  body.version = wire.version;
  body.device_id = get_bytes(wire.device_id);
  body.block_height = wire.block_height;
  body.block_hash = get_bytes(wire.block_hash);
  auto state = get_enum(wire.state);
  if (state == 0 || state > proto::kMaxReceiptState) {
    return Error(ErrorCode::kMalformed, "receipt has an unknown state");
  }
  body.state = static_cast<proto::ReceiptState>(state);
  body.batch_id = wire.batch_id;
  body.batch_root = get_bytes(wire.batch_root);
  body.batch_size = wire.batch_size;
  body.leaf_index = wire.leaf_index;
  for (pb_size_t i = 0; i < wire.inclusion_path_count; ++i) {
    body.inclusion_path.push_back(get_bytes(wire.inclusion_path[i]));
  }
  if (wire.has_ledger) {
    auto kind = get_enum(wire.ledger.kind);
    if (kind == 0 || kind > proto::kMaxLedgerKind) {
      return Error(ErrorCode::kMalformed, "receipt names an unknown ledger kind");
    }
    body.ledger.kind = static_cast<proto::LedgerKind>(kind);
    VS_TRY_ASSIGN(body.ledger.chain_id, get_string(wire.ledger.chain_id, "chain id is not UTF-8"));
    body.ledger.transaction_id = get_bytes(wire.ledger.transaction_id);
    body.ledger.ledger_height = wire.ledger.ledger_height;
    body.ledger.ledger_block_hash = get_bytes(wire.ledger.ledger_block_hash);
    body.ledger.ledger_time_ms = wire.ledger.ledger_time_ms;
    body.ledger.confirmations = wire.ledger.confirmations;
  }
  body.issued_time_ms = wire.issued_time_ms;
  return body;
}

}  // namespace

// ---- encode ------------------------------------------------------------------

Result<Bytes> WireCodec::encode(const proto::Entry& entry) {
  // 8 KiB: kept off small stacks, and not zeroed per call (that memset was
  // 8% of the agent's time): to_wire sets every field the chosen body
  // encodes, and only samples_count samples are read.
  thread_local auto wire = std::make_unique<vs_v1_Entry>();
  VS_TRY(to_wire(entry, *wire));
  return encode_message(vs_v1_Entry_fields, *wire);
}

Result<Bytes> WireCodec::encode(const proto::BlockHeader& header) {
  vs_v1_BlockHeader wire{};
  VS_TRY(to_wire(header, wire));
  return encode_message(vs_v1_BlockHeader_fields, wire);
}

Result<Bytes> WireCodec::encode(const proto::Block& block) {
  vs_v1_Block wire{};
  VS_TRY(put_bytes(wire.header, block.header, "block header is longer than 256 bytes"));
  VS_TRY(put_bytes(wire.signature, block.signature, "block signature is longer than 64 bytes"));
  RepeatedBytes entries;
  entries.items = &block.entries;
  RepeatedBytes blindings;
  blindings.items = &block.blindings;
  RepeatedBytes signatures;
  signatures.items = &block.entry_signatures;
  wire.entries.funcs.encode = encode_repeated_bytes;
  wire.entries.arg = &entries;
  wire.blindings.funcs.encode = encode_repeated_bytes;
  wire.blindings.arg = &blindings;
  wire.entry_signatures.funcs.encode = encode_repeated_bytes;
  wire.entry_signatures.arg = &signatures;
  return encode_message(vs_v1_Block_fields, wire);
}

Result<Bytes> WireCodec::encode(const proto::ReceiptBody& body) {
  vs_v1_ReceiptBody wire{};
  VS_TRY(to_wire(body, wire));
  return encode_message(vs_v1_ReceiptBody_fields, wire);
}

Result<Bytes> WireCodec::encode(const proto::Receipt& receipt) {
  vs_v1_Receipt wire{};
  VS_TRY(put_bytes(wire.body, receipt.body, "receipt body is longer than 4096 bytes"));
  VS_TRY(put_bytes(wire.signature, receipt.signature, "receipt signature is longer than 64 bytes"));
  VS_TRY(put_bytes(wire.gateway_key_id, receipt.gateway_key_id,
                   "gateway key id is longer than 16 bytes"));
  return encode_message(vs_v1_Receipt_fields, wire);
}

Result<Bytes> WireCodec::encode(const proto::ResendRequest& request) {
  vs_v1_ResendRequest wire{};
  wire.version = request.version;
  VS_TRY(put_bytes(wire.device_id, request.device_id, "device id is longer than 16 bytes"));
  wire.from_height = request.from_height;
  wire.to_height = request.to_height;
  VS_TRY(put_string(wire.reason, request.reason, "resend reason is longer than 64 bytes"));
  wire.time_ms = request.time_ms;
  VS_TRY(put_bytes(wire.nonce, request.nonce, "resend nonce is longer than 16 bytes"));
  return encode_message(vs_v1_ResendRequest_fields, wire);
}

Result<Bytes> WireCodec::encode(const proto::SignedResendRequest& request) {
  vs_v1_SignedResendRequest wire{};
  VS_TRY(put_bytes(wire.body, request.body, "resend request body is longer than 160 bytes"));
  VS_TRY(put_bytes(wire.signature, request.signature,
                   "resend request signature is longer than 64 bytes"));
  VS_TRY(put_bytes(wire.gateway_key_id, request.gateway_key_id,
                   "gateway key id is longer than 16 bytes"));
  return encode_message(vs_v1_SignedResendRequest_fields, wire);
}

Result<Bytes> WireCodec::encode(const proto::Status& status) {
  vs_v1_Status wire{};
  wire.version = status.version;
  wire.online = status.online;
  wire.has_tip = status.has_tip;
  wire.tip_height = status.tip_height;
  wire.backlog_blocks = status.backlog_blocks;
  wire.pending_entries = status.pending_entries;
  wire.next_seq = status.next_seq;
  wire.has_receipt = status.has_receipt;
  wire.last_receipt_height = status.last_receipt_height;
  wire.storage_used_bytes = status.storage_used_bytes;
  wire.storage_limit_bytes = status.storage_limit_bytes;
  wire.alarms = status.alarms;
  wire.time_ms = status.time_ms;
  return encode_message(vs_v1_Status_fields, wire);
}

Result<Bytes> WireCodec::encode(const proto::LiveReading& live) {
  auto wire = std::make_unique<vs_v1_LiveReading>();
  VS_TRY(put_bytes(wire->entry, live.entry, "live entry is larger than 16 KiB"));
  VS_TRY(put_bytes(wire->signature, live.signature, "live signature is longer than 64 bytes"));
  return encode_message(vs_v1_LiveReading_fields, *wire);
}

// ---- decode ------------------------------------------------------------------

namespace {

// Sets a reused Entry wire struct to what pb_decode's defaults would give,
// but with the reading member already chosen: nanopb zeroes a whole oneof
// member each time the chosen one changes, 8 KiB of sample room per reading
// entry, and its own defaults unchoose it first. For PB_DECODE_NOINIT.
void ready_for_reading(vs_v1_Entry& wire) {
  // Every scalar comes before the oneof, every Reading field before its
  // samples: a new field after them must be zeroed here too.
  static_assert(sizeof(vs_v1_Entry) - offsetof(vs_v1_Entry, body) - sizeof(wire.body) <
                alignof(vs_v1_Entry));
  static_assert(sizeof(vs_v1_Reading) - offsetof(vs_v1_Reading, samples) -
                    sizeof(vs_v1_Reading::samples) <
                alignof(vs_v1_Reading));
  std::memset(&wire, 0, offsetof(vs_v1_Entry, which_body));
  wire.which_body = vs_v1_Entry_reading_tag;
  std::memset(&wire.body.reading, 0, offsetof(vs_v1_Reading, samples));
}

bool is_empty_reading(const vs_v1_Entry& wire) {
  const vs_v1_Reading& reading = wire.body.reading;
  return wire.which_body == vs_v1_Entry_reading_tag && get_enum(reading.kind) == 0 &&
         reading.mantissa == 0 && reading.exponent == 0 && reading.quality == 0 &&
         reading.sample_rate_mhz == 0 && reading.samples_count == 0;
}

// A hashed message small enough to decode on the stack (a block header, a
// receipt body): bounded, decoded, in canonical form, then its C++ view.
template <typename Wire>
auto decode_hashed(ByteView bytes, const pb_msgdesc_t* fields, std::size_t limit,
                   const char* too_large) -> decltype(from_wire(std::declval<const Wire&>())) {
  if (bytes.size() > limit)
    return over_limit(ErrorCode::kMalformed, too_large, bytes.size(), limit, "bytes");
  Wire wire{};
  VS_TRY(decode_message(bytes, fields, wire));
  VS_TRY(check_canonical<Wire>(bytes, fields));
  return from_wire(wire);
}

// The gateway's signed envelopes (Receipt, SignedResendRequest): the body
// bytes as signed, the signature, the signing key's id.
template <typename Envelope, typename Wire>
Result<Envelope> decode_envelope(ByteView bytes, const pb_msgdesc_t* fields) {
  Wire wire{};
  VS_TRY(decode_message(bytes, fields, wire));
  Envelope envelope;
  envelope.body = get_bytes(wire.body);
  envelope.signature = get_bytes(wire.signature);
  envelope.gateway_key_id = get_bytes(wire.gateway_key_id);
  return envelope;
}

}  // namespace

Result<proto::Entry> WireCodec::decode_entry(ByteView bytes) {
  if (bytes.size() > proto::kMaxEntryBytes) {
    return over_limit(ErrorCode::kMalformed, "entry is too large", bytes.size(),
                      proto::kMaxEntryBytes, "bytes");
  }
  // Reused across calls (kept off small stacks) and readied by hand.
  thread_local auto wire = std::make_unique_for_overwrite<vs_v1_Entry>();
  ready_for_reading(*wire);
  VS_TRY(decode_message(bytes, vs_v1_Entry_fields, *wire, PB_DECODE_NOINIT));
  // An absent body leaves the readied reading empty; so does an empty one.
  if (is_empty_reading(*wire)) {
    return Error(ErrorCode::kMalformed, "entry holds neither a reading nor an event");
  }
  VS_TRY(check_canonical<vs_v1_Entry>(bytes, vs_v1_Entry_fields));
  return from_wire(*wire);
}

Result<proto::BlockHeader> WireCodec::decode_block_header(ByteView bytes) {
  return decode_hashed<vs_v1_BlockHeader>(bytes, vs_v1_BlockHeader_fields, proto::kMaxHeaderBytes,
                                          "block header is too large");
}

Result<proto::Block> WireCodec::decode_block(ByteView bytes) {
  if (bytes.size() > proto::kMaxBlockBytes) {
    return over_limit(ErrorCode::kMalformed, "block is too large", bytes.size(),
                      proto::kMaxBlockBytes, "bytes");
  }
  proto::Block block;
  RepeatedBytes entries = entries_field(proto::kMaxEntryBytes, "block has more than 4096 entries",
                                        "block entry is larger than 16 KiB");
  entries.out = &block.entries;
  RepeatedBytes blindings = entries_field(proto::kHashSize, "block has more than 4096 blindings",
                                          "block blinding is longer than 32 bytes");
  blindings.out = &block.blindings;
  RepeatedBytes signatures =
      entries_field(proto::kSignatureSize, "block has more than 4096 entry signatures",
                    "entry signature is longer than 64 bytes");
  signatures.out = &block.entry_signatures;

  vs_v1_Block wire{};
  wire.entries.funcs.decode = decode_repeated_bytes;
  wire.entries.arg = &entries;
  wire.blindings.funcs.decode = decode_repeated_bytes;
  wire.blindings.arg = &blindings;
  wire.entry_signatures.funcs.decode = decode_repeated_bytes;
  wire.entry_signatures.arg = &signatures;
  vs::Status decoded = decode_message(bytes, vs_v1_Block_fields, wire);
  for (const RepeatedBytes* field : {&entries, &blindings, &signatures}) {
    if (field->error != nullptr) return Error(ErrorCode::kMalformed, field->error);
  }
  VS_TRY(decoded);
  block.header = get_bytes(wire.header);
  block.signature = get_bytes(wire.signature);
  return block;
}

Result<proto::ReceiptBody> WireCodec::decode_receipt_body(ByteView bytes) {
  return decode_hashed<vs_v1_ReceiptBody>(bytes, vs_v1_ReceiptBody_fields,
                                          proto::kMaxReceiptBodyBytes, "receipt body is too large");
}

Result<proto::Receipt> WireCodec::decode_receipt(ByteView bytes) {
  return decode_envelope<proto::Receipt, vs_v1_Receipt>(bytes, vs_v1_Receipt_fields);
}

Result<proto::ResendRequest> WireCodec::decode_resend_request(ByteView bytes) {
  vs_v1_ResendRequest wire{};
  VS_TRY(decode_message(bytes, vs_v1_ResendRequest_fields, wire));
  proto::ResendRequest request;
  request.version = wire.version;
  request.device_id = get_bytes(wire.device_id);
  request.from_height = wire.from_height;
  request.to_height = wire.to_height;
  VS_TRY_ASSIGN(request.reason, get_string(wire.reason, "resend reason is not UTF-8"));
  request.time_ms = wire.time_ms;
  request.nonce = get_bytes(wire.nonce);
  if (request.from_height > request.to_height) {
    return Error(ErrorCode::kMalformed, "resend range ends before it starts");
  }
  return request;
}

Result<proto::SignedResendRequest> WireCodec::decode_signed_resend_request(ByteView bytes) {
  return decode_envelope<proto::SignedResendRequest, vs_v1_SignedResendRequest>(
      bytes, vs_v1_SignedResendRequest_fields);
}

Result<proto::Status> WireCodec::decode_status(ByteView bytes) {
  vs_v1_Status wire{};
  VS_TRY(decode_message(bytes, vs_v1_Status_fields, wire));
  proto::Status status;
  status.version = wire.version;
  status.online = wire.online;
  status.has_tip = wire.has_tip;
  status.tip_height = wire.tip_height;
  status.backlog_blocks = wire.backlog_blocks;
  status.pending_entries = wire.pending_entries;
  status.next_seq = wire.next_seq;
  status.has_receipt = wire.has_receipt;
  status.last_receipt_height = wire.last_receipt_height;
  status.storage_used_bytes = wire.storage_used_bytes;
  status.storage_limit_bytes = wire.storage_limit_bytes;
  status.alarms = wire.alarms;
  status.time_ms = wire.time_ms;
  return status;
}

Result<proto::LiveReading> WireCodec::decode_live_reading(ByteView bytes) {
  auto wire = std::make_unique<vs_v1_LiveReading>();
  VS_TRY(decode_message(bytes, vs_v1_LiveReading_fields, *wire));
  return proto::LiveReading{get_bytes(wire->entry), get_bytes(wire->signature)};
}

namespace {

// The one block a ResentBlock carries, through a bounded callback.
RepeatedBytes resent_block_field() {
  RepeatedBytes field;
  field.max_items = 1;
  field.max_item_size = proto::kMaxBlockBytes;
  field.too_many = "resent block carries its block twice";
  field.too_large = "resent block's block is too large";
  return field;
}

}  // namespace

Result<Bytes> WireCodec::encode(const proto::ResentBlock& resent) {
  vs_v1_ResentBlock wire{};
  std::vector<Bytes> block{resent.block};
  RepeatedBytes field = resent_block_field();
  field.items = &block;
  wire.block.funcs.encode = encode_repeated_bytes;
  wire.block.arg = &field;
  VS_TRY(put_bytes(wire.receipt, resent.receipt, "resent block's receipt is too large"));
  return encode_message(vs_v1_ResentBlock_fields, wire);
}

Result<proto::ResentBlock> WireCodec::decode_resent_block(ByteView bytes) {
  if (bytes.size() > proto::kMaxBlockBytes + proto::kMaxReceiptBytes + 16) {
    return over_limit(ErrorCode::kMalformed, "resent block is too large", bytes.size(),
                      proto::kMaxBlockBytes + proto::kMaxReceiptBytes + 16, "bytes");
  }
  std::vector<Bytes> block;
  RepeatedBytes field = resent_block_field();
  field.out = &block;
  vs_v1_ResentBlock wire{};
  wire.block.funcs.decode = decode_repeated_bytes;
  wire.block.arg = &field;
  vs::Status decoded = decode_message(bytes, vs_v1_ResentBlock_fields, wire);
  if (field.error != nullptr) return Error(ErrorCode::kMalformed, field.error);
  VS_TRY(decoded);
  if (block.empty() || block.front().empty())
    return Error(ErrorCode::kMalformed, "resent block carries no block");
  if (wire.receipt.size == 0)
    return Error(ErrorCode::kMalformed, "resent block carries no receipt");
  return proto::ResentBlock{std::move(block.front()), get_bytes(wire.receipt)};
}

}  // namespace vs::proto
