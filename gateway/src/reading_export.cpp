#include "vs/gateway/reading_export.h"
#include "vs/chain/opened_block.h"

#include <map>
#include <memory>
#include <set>

#include "vs/chain/block_verifier.h"
#include "vs/proto/vital_kinds.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

// Follows a device's events in seq order: who the subject is, who holds consent.
class EventState {
 public:
  void apply(const proto::Event& event) {
    switch (event.kind) {
      case proto::EventKind::kEnrolment:
        subject_ = event.subject;
        break;
      case proto::EventKind::kConsentGranted:
        granted_.insert(event.recipient);
        break;
      case proto::EventKind::kConsentRevoked:
        granted_.erase(event.recipient);
        break;
      default:
        break;
    }
  }
  const std::string& subject() const { return subject_; }
  bool consents_to(const std::string& recipient) const { return granted_.count(recipient) != 0; }

 private:
  std::string subject_;
  std::set<std::string> granted_;
};

bool in_window(const ReadingFilter& filter, const proto::Entry& entry) {
  if (filter.seq && entry.seq != *filter.seq) return false;
  if (filter.from_ms && entry.time_ms < *filter.from_ms) return false;
  if (filter.to_ms && entry.time_ms > *filter.to_ms) return false;
  return true;
}

// The readings of one verified block that the filter and the consent so far
// let out, following the block's events as it goes.
FhirBlock select_in_block(const std::vector<proto::Entry>& entries, const ReadingFilter& filter,
                          EventState& events, ReadingSelection& out) {
  FhirBlock selected;
  // Half of a blood-pressure pair goes out with the other half: a cuff
  // measurement is one panel, whatever the window cut.
  auto pair_in_window = [&](std::size_t i) {
    return (i > 0 && proto::is_blood_pressure_pair(entries[i - 1], entries[i]) &&
            in_window(filter, entries[i - 1])) ||
           (i + 1 < entries.size() && proto::is_blood_pressure_pair(entries[i], entries[i + 1]) &&
            in_window(filter, entries[i + 1]));
  };
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const proto::Entry& entry = entries[i];
    if (const auto* event = std::get_if<proto::Event>(&entry.body)) {
      events.apply(*event);
      continue;
    }
    if (!in_window(filter, entry) && !pair_in_window(i)) continue;
    if (filter.recipient && !events.consents_to(*filter.recipient)) {
      ++out.without_consent;
      continue;
    }
    selected.readings.push_back({entry, events.subject()});
  }
  return selected;
}

}  // namespace

Result<ReadingSelection> ReadingExport::select(
    const chain::DeviceId& device, const ReadingFilter& filter,
    const std::function<void(std::uint64_t blocks_read)>& progress) const {
  VS_TRY_ASSIGN(auto view, state_.snapshot());  // one consistent state, however long it takes
  VS_TRY_ASSIGN(auto record, view->device(device));
  if (!record) return Error(ErrorCode::kNotFound, "the device is not enrolled").about(device.hex());

  ReadingSelection out;
  out.device.device_hex = device.hex();
  out.device.revoked = record->revoked;
  chain::BlockVerifier verifier(sha_);
  std::map<std::uint32_t, std::unique_ptr<platform::Verifier>> device_keys;
  EventState events;

  VS_TRY(
      for_each_block(*view, device, 0, [&](std::uint64_t height, ByteView stored) -> Result<bool> {
        VS_TRY_ASSIGN(chain::OpenedBlock opened, chain::OpenedBlock::open(sha_, stored));
        const proto::Block& block = opened.block;
        const proto::BlockHeader& header = opened.header;
        std::string where = "device " + device.hex() + " block " + std::to_string(height);
        if (header.height != height)
          return Error(ErrorCode::kIntegrity, "the stored block says it is of another height")
              .about(where);
        if (header.key_index >= record->public_keys.size())
          return Error(ErrorCode::kIntegrity, "the block names a key the registry does not hold")
              .about(where);
        auto& key = device_keys[header.key_index];
        if (!key) {
          VS_TRY_ASSIGN(key, keys_.make_verifier(record->public_keys[header.key_index]));
        }
        auto verified = verifier.verify(block, device, *key);
        if (!verified)
          return Error(ErrorCode::kIntegrity, "a stored block no longer verifies")
              .about(where + ": " + verified.error().message());
        ++out.blocks_read;
        if (progress) progress(out.blocks_read);

        FhirBlock selected = select_in_block(verified->entries, filter, events, out);
        // A seq's pair partner is in the same block.
        bool past_seq = filter.seq && header.last_seq >= *filter.seq;
        if (selected.readings.empty()) return !past_seq;

        VS_TRY_ASSIGN(auto receipt_bytes, view->receipt(device, height));
        if (!receipt_bytes) {
          out.unanchored += selected.readings.size();
          return !past_seq;
        }
        VS_TRY_ASSIGN(proto::Receipt receipt, proto::WireCodec::decode_receipt(*receipt_bytes));
        VS_TRY_ASSIGN(selected.receipt, proto::WireCodec::decode_receipt_body(receipt.body));
        if (!equal(selected.receipt.block_hash, verified->hash))
          return Error(ErrorCode::kIntegrity, "the block's receipt names another block hash")
              .about(where);
        selected.header = verified->header;
        selected.block_hash.assign(verified->hash.begin(), verified->hash.end());
        selected.signature = block.signature;
        out.readings += selected.readings.size();
        out.device.blocks.push_back(std::move(selected));
        return !past_seq;
      }));
  return out;
}

}  // namespace vs::gateway
