#include "vs/gateway/access_log.h"

#include <algorithm>
#include <sstream>

#include "vs/gateway/gateway_state.h"
#include "vs/platform/clock.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

constexpr std::string_view kHeader = "vitalsign-access v1";
constexpr std::size_t kMaxText = 256;

std::string optional_number(const std::optional<std::uint64_t>& value) {
  return value ? std::to_string(*value) : "-";
}

Status check_text(const char* field, const std::string& text, bool may_be_empty) {
  if (text.empty() && !may_be_empty)
    return Error(ErrorCode::kInvalidArgument, "is empty").about(field);
  if (text.size() > kMaxText)
    return Error(ErrorCode::kInvalidArgument, "is longer than 256 characters").about(field);
  if (text == "-") return Error(ErrorCode::kInvalidArgument, "cannot be '-'").about(field);
  for (char c : text) {
    if (c < 0x20 || c > 0x7e)
      return Error(ErrorCode::kInvalidArgument, "holds a character outside printable ASCII")
          .about(field);
  }
  return {};
}

// A record's place in the anchoring queue: the first 8 bytes of its hash,
// unique without a shared counter (two tools may export at once).
std::uint64_t queue_height(const Digest& hash) {
  return get_u64_be(hash.data());
}

class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  Result<std::string> field(std::string_view name) {
    std::size_t end = text_.find('\n');
    if (end == std::string_view::npos)
      return Error(ErrorCode::kMalformed, "access record ends early").about(std::string(name));
    std::string_view line = text_.substr(0, end);
    text_.remove_prefix(end + 1);
    if (line.size() <= name.size() || line.substr(0, name.size()) != name ||
        line[name.size()] != ' ')
      return Error(ErrorCode::kMalformed, "access record line is not the expected field")
          .about(std::string(name));
    return std::string(line.substr(name.size() + 1));
  }
  Result<std::optional<std::uint64_t>> number(std::string_view name, bool optional) {
    VS_TRY_ASSIGN(std::string text, field(name));
    if (optional && text == "-") return std::optional<std::uint64_t>();
    // One spelling per number: the record's bytes are what is hashed.
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != text.npos ||
        (text.size() > 1 && text[0] == '0'))
      return Error(ErrorCode::kMalformed, "access record field is not a number")
          .about(std::string(name));
    return std::optional<std::uint64_t>(std::stoull(text));
  }
  bool done() const { return text_.empty(); }

 private:
  std::string_view text_;
};

}  // namespace

std::string AccessRecord::encode() const {
  std::ostringstream out;
  out << kHeader << "\n"
      << "time_ms " << time_ms << "\n"
      << "by " << by << "\n"
      << "recipient " << (recipient.empty() ? "-" : recipient) << "\n"
      << "device " << device_hex << "\n"
      << "from_ms " << optional_number(from_ms) << "\n"
      << "to_ms " << optional_number(to_ms) << "\n"
      << "seq " << optional_number(seq) << "\n"
      << "readings " << readings << "\n"
      << "purpose " << purpose << "\n"
      << "output_sha256 " << output_hash << "\n";
  return out.str();
}

Result<AccessRecord> AccessRecord::decode(std::string_view text) {
  if (text.substr(0, kHeader.size() + 1) != std::string(kHeader) + "\n")
    return Error(ErrorCode::kUnsupported, "not a version 1 access record");
  LineReader lines(text.substr(kHeader.size() + 1));
  AccessRecord record;
  VS_TRY_ASSIGN(auto time, lines.number("time_ms", false));
  record.time_ms = *time;
  VS_TRY_ASSIGN(record.by, lines.field("by"));
  VS_TRY_ASSIGN(record.recipient, lines.field("recipient"));
  if (record.recipient == "-") record.recipient.clear();
  VS_TRY_ASSIGN(record.device_hex, lines.field("device"));
  VS_TRY_ASSIGN(record.from_ms, lines.number("from_ms", true));
  VS_TRY_ASSIGN(record.to_ms, lines.number("to_ms", true));
  VS_TRY_ASSIGN(record.seq, lines.number("seq", true));
  VS_TRY_ASSIGN(auto readings, lines.number("readings", false));
  record.readings = *readings;
  VS_TRY_ASSIGN(record.purpose, lines.field("purpose"));
  VS_TRY_ASSIGN(record.output_hash, lines.field("output_sha256"));
  if (!lines.done()) return Error(ErrorCode::kMalformed, "access record has trailing lines");
  return record;
}

const chain::DeviceId& AccessLog::log_device() {
  // All zero: a real device id is a SHA-256 prefix of a key.
  static const chain::DeviceId device =
      chain::DeviceId::from_bytes(Bytes(chain::DeviceId::kSize, 0)).value();
  return device;
}

Result<LoggedAccess> AccessLog::record(const AccessRecord& record) {
  VS_TRY(check_text("by", record.by, false));
  VS_TRY(check_text("recipient", record.recipient, true));
  VS_TRY(check_text("purpose", record.purpose, false));
  VS_TRY(chain::DeviceId::from_hex(record.device_hex));
  VS_TRY(from_hex(record.output_hash));
  std::string text = record.encode();
  LoggedAccess logged{record, sha_.digest(as_bytes(text)), std::nullopt};
  std::uint64_t height = queue_height(logged.hash);
  VS_TRY(retry_on_conflict([&]() -> Status {
    VS_TRY_ASSIGN(auto changes, state_.begin());
    changes->put_access(record.time_ms, height, text);
    changes->enqueue({record.time_ms, {log_device(), height, logged.hash}});
    return changes->commit(true);
  }));
  return logged;
}

Result<LoggedAccess> AccessLog::record_export(AccessRecord record, std::string_view output) {
  if (record.time_ms == 0) record.time_ms = platform::SystemClock().wall_ms();
  record.output_hash = to_hex(sha_.digest(as_bytes(output)));
  return this->record(record);
}

Result<std::vector<LoggedAccess>> AccessLog::list() const {
  VS_TRY_ASSIGN(auto view, state_.snapshot());
  VS_TRY_ASSIGN(auto stored, view->access_records());
  std::vector<LoggedAccess> out;
  for (const StoredAccess& access : stored) {
    VS_TRY_ASSIGN(AccessRecord record, AccessRecord::decode(access.text));
    LoggedAccess logged{std::move(record), sha_.digest(as_bytes(access.text)), std::nullopt};
    VS_TRY_ASSIGN(auto receipt, view->receipt(log_device(), queue_height(logged.hash)));
    if (receipt) {
      VS_TRY_ASSIGN(proto::Receipt decoded, proto::WireCodec::decode_receipt(*receipt));
      VS_TRY_ASSIGN(auto body, proto::WireCodec::decode_receipt_body(decoded.body));
      if (!equal(body.block_hash, logged.hash))
        return Error(ErrorCode::kIntegrity, "an access record's receipt names another hash");
      logged.receipt = std::move(body);
    }
    out.push_back(std::move(logged));
  }
  return out;
}

}  // namespace vs::gateway
