#include "vs/gateway/fhir_bundle_json.h"

#include <cmath>
#include <ctime>
#include <optional>

#include "vs/platform/json.h"
#include "vs/proto/vital_kinds.h"

namespace vs::gateway {
namespace {

using platform::Json;
using platform::Sha256;

constexpr const char* kLoinc = "http://loinc.org";
// ISO/IEEE 11073-10101 codes, under the system URI of FHIR's Personal Health
// Device implementation guide.
constexpr const char* kMdc = "urn:iso:std:iso:11073:10101";
constexpr const char* kUcum = "http://unitsofmeasure.org";
constexpr const char* kReadingSystem = "urn:vitalsign:reading";
constexpr const char* kDeviceSystem = "urn:vitalsign:device";
constexpr const char* kSubjectSystem = "urn:vitalsign:subject";
constexpr const char* kBlockSystem = "urn:vitalsign:block";
constexpr const char* kAnchorSystem = "urn:vitalsign:anchor";

struct Concept {
  const char* category;  // observation-category code
  const char* profile;   // vital-signs profile, or nullptr
  const char* text;
  Json codings;
  const char* unit;  // human-readable unit
};

Json coding(const char* system, const char* code, const char* display) {
  return {{"system", system}, {"code", code}, {"display", display}};
}

std::optional<Concept> concept_of(proto::VitalKind kind) {
  using proto::VitalKind;
  switch (kind) {
    case VitalKind::kHeartRate:
      return Concept{"vital-signs", "heartrate", "Heart rate",
                     Json::array({coding(kLoinc, "8867-4", "Heart rate")}), "beats/minute"};
    case VitalKind::kSpo2:
      return Concept{"vital-signs", "oxygensat", "Oxygen saturation",
                     Json::array({coding(kLoinc, "2708-6", "Oxygen saturation in Arterial blood"),
                                  coding(kLoinc, "59408-5",
                                         "Oxygen saturation in Arterial blood by Pulse oximetry")}),
                     "%"};
    case VitalKind::kBodyTemperature:
      return Concept{"vital-signs", "bodytemp", "Body temperature",
                     Json::array({coding(kLoinc, "8310-5", "Body temperature")}), "C"};
    case VitalKind::kRespiratoryRate:
      return Concept{"vital-signs", "resprate", "Respiratory rate",
                     Json::array({coding(kLoinc, "9279-1", "Respiratory rate")}), "breaths/minute"};
    case VitalKind::kEcg:
      return Concept{"procedure", nullptr, "ECG",
                     Json::array({coding(kMdc, "131328", "MDC_ECG_ELEC_POTL")}), "mV"};
    case VitalKind::kPpg:
      return Concept{"procedure", nullptr, "PPG",
                     Json::array({coding(kMdc, "150452", "MDC_PULS_OXIM_PLETH")}), "1"};
    default:
      return std::nullopt;  // blood pressure is a panel, made below
  }
}

std::string profile_url(const char* profile) {
  return std::string("http://hl7.org/fhir/StructureDefinition/") + profile;
}

std::string_view ucum_of(proto::VitalKind kind) {
  for (const auto& info : proto::kVitalKinds)
    if (info.kind == kind) return info.ucum;
  return "1";
}

// RFC 3339 UTC with milliseconds, or nothing outside FHIR's years 1..9999.
std::optional<std::string> instant(std::uint64_t time_ms) {
  constexpr std::uint64_t kYear10000Ms = 253402300800000ULL;
  if (time_ms >= kYear10000Ms) return std::nullopt;
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return std::nullopt;
  char text[80];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<unsigned>(time_ms % 1000));
  return std::string(text);
}

// A name-based UUID (version 8 layout over SHA-256) for a urn:uuid fullUrl.
std::string uuid_for(const Sha256& sha, const std::string& name) {
  Digest digest = sha.digest(as_bytes("vitalsign:fhir:" + name));
  digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0f) | 0x80);
  digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3f) | 0x80);
  std::string hex = to_hex(ByteView(digest.data(), 16));
  return "urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Json absent(const char* code, const char* display, const std::string& text) {
  return {{"coding", Json::array({coding("http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                         code, display)})},
          {"text", text}};
}

// A device may send any exponent; a value no double holds is absent, not null.
bool representable(const proto::Reading& reading) {
  return std::isfinite(proto::decimal_value(reading.mantissa, reading.exponent)) &&
         std::isfinite(proto::decimal_value(1, reading.exponent)) &&
         proto::decimal_value(1, reading.exponent) != 0;
}

// Puts the reading's value (or why it is absent) into `target` as value[x].
void put_value(Json& target, const proto::Reading& reading, const char* unit) {
  if (!representable(reading)) {
    target.set("dataAbsentReason",
               absent("error", "Error", "the value's exponent is out of range"));
    return;
  }
  target.set("valueQuantity", {{"value", proto::decimal_value(reading.mantissa, reading.exponent)},
                               {"unit", unit},
                               {"system", kUcum},
                               {"code", std::string(ucum_of(reading.kind))}});
}

Json sampled_data(const proto::Reading& reading) {
  std::string data;
  for (std::int32_t sample : reading.samples) {
    if (!data.empty()) data += ' ';
    data += std::to_string(sample);
  }
  std::string ucum(ucum_of(reading.kind));
  Json out = {{"origin", {{"value", 0}, {"unit", ucum}, {"system", kUcum}, {"code", ucum}}},
              {"period", 1e6 / static_cast<double>(reading.sample_rate_mhz)}};
  if (reading.exponent != 0) out.set("factor", proto::decimal_value(1, reading.exponent));
  out.set("dimensions", 1);
  out.set("data", data);
  return out;
}

std::string quality_text(std::uint32_t quality) {
  static constexpr std::pair<std::uint32_t, const char*> kFlags[] = {
      {proto::kQualityAlarm, "sensor alarm"},
      {proto::kQualityProbeOff, "probe off"},
      {proto::kQualityMotionArtefact, "motion artefact"},
      {proto::kQualityLowPerfusion, "low perfusion"},
      {proto::kQualityOutOfRange, "out of the sensor's range"},
      {proto::kQualityCalibrating, "calibrating"},
  };
  std::string text;
  for (const auto& [bit, name] : kFlags) {
    if ((quality & bit) == 0) continue;
    text += text.empty() ? "sensor quality flags: " : ", ";
    text += name;
  }
  return text;
}

bool is_bp(const proto::Reading& reading) {
  return proto::is_blood_pressure(reading.kind);
}

// Readings of one block grouped into Observations: a systolic and a
// diastolic taken at the same instant share one panel.
struct Group {
  const FhirReading* first;
  const FhirReading* second = nullptr;
};

std::vector<Group> groups_of(const FhirBlock& block) {
  std::vector<Group> out;
  const auto& readings = block.readings;
  for (std::size_t i = 0; i < readings.size(); ++i) {
    if (!std::holds_alternative<proto::Reading>(readings[i].entry.body))
      continue;  // events are not Observations
    Group group{&readings[i]};
    if (i + 1 < readings.size() &&
        proto::is_blood_pressure_pair(readings[i].entry, readings[i + 1].entry))
      group.second = &readings[++i];
    out.push_back(group);
  }
  return out;
}

Json bp_component(const FhirReading* part, proto::VitalKind kind) {
  bool systolic = kind == proto::VitalKind::kBpSystolic;
  Json component = {
      {"code",
       {{"coding",
         Json::array({systolic ? coding(kLoinc, "8480-6", "Systolic blood pressure")
                               : coding(kLoinc, "8462-4", "Diastolic blood pressure")})}}}};
  if (part != nullptr)
    put_value(component, std::get<proto::Reading>(part->entry.body), "mmHg");
  else
    component.set("dataAbsentReason",
                  absent("unknown", "Unknown", "not recorded with this reading"));
  return component;
}

class Writer {
 public:
  Writer(const FhirDeviceExport& device, const Sha256& sha)
      : device_(device), sha_(sha), device_url_(uuid_for(sha, "device:" + device.device_hex)) {}

  Json bundle() {
    Json entries = Json::array();
    entries.push_back(device_entry());
    for (const FhirBlock& block : device_.blocks) {
      Json targets = Json::array();
      for (const Group& group : groups_of(block)) {
        Json entry = observation_entry(group);
        targets.push_back({{"reference", std::string(*entry.view()["fullUrl"].string())}});
        entries.push_back(std::move(entry));
      }
      if (targets.view().size() > 0) entries.push_back(provenance_entry(block, std::move(targets)));
    }
    return {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", std::move(entries)}};
  }

 private:
  std::string reading_id(const proto::Entry& entry) const {
    return device_.device_hex + "/" + std::to_string(entry.seq);
  }

  Json device_entry() const {
    Json resource = {
        {"resourceType", "Device"},
        {"identifier", Json::array({{{"system", kDeviceSystem}, {"value", device_.device_hex}}})},
        {"status", device_.revoked ? "inactive" : "active"},
        {"deviceName", Json::array({{{"name", "vitalsign device " + device_.device_hex},
                                     {"type", "user-friendly-name"}}})}};
    return {
        {"fullUrl", device_url_},
        {"resource", std::move(resource)},
        {"request",
         {{"method", "POST"},
          {"url", "Device"},
          {"ifNoneExist", std::string("identifier=") + kDeviceSystem + "|" + device_.device_hex}}}};
  }

  Json observation_entry(const Group& group) const {
    const proto::Entry& entry = group.first->entry;
    const auto& reading = std::get<proto::Reading>(entry.body);
    Json identifiers = Json::array();
    identifiers.push_back({{"system", kReadingSystem}, {"value", reading_id(entry)}});
    if (group.second != nullptr)
      identifiers.push_back(
          {{"system", kReadingSystem}, {"value", reading_id(group.second->entry)}});

    std::optional<Concept> concept_ = concept_of(reading.kind);
    Json resource = {{"resourceType", "Observation"}};
    const char* profile = is_bp(reading) ? "bp" : concept_ ? concept_->profile : nullptr;
    if (profile != nullptr)
      resource.set("meta", {{"profile", Json::array({profile_url(profile)})}});
    resource.set("identifier", identifiers);
    resource.set("status", "final");
    const char* category = concept_ ? concept_->category : "vital-signs";
    resource.set(
        "category",
        Json::array(
            {{{"coding",
               Json::array({coding(
                   "http://terminology.hl7.org/CodeSystem/observation-category", category,
                   std::string_view(category) == "procedure" ? "Procedure" : "Vital Signs")})}}}));
    if (is_bp(reading)) {
      resource.set(
          "code",
          {{"coding", Json::array({coding(kLoinc, "85354-9",
                                          "Blood pressure panel with all children optional")})},
           {"text", "Blood pressure"}});
    } else if (concept_) {
      resource.set("code", {{"coding", concept_->codings}, {"text", concept_->text}});
    } else {
      resource.set(
          "code",
          {{"text", "vital kind " + std::to_string(static_cast<std::uint32_t>(reading.kind))}});
    }
    if (!group.first->subject.empty())
      resource.set("subject",
                   {{"identifier", {{"system", kSubjectSystem}, {"value", group.first->subject}}}});
    if (auto when = instant(entry.time_ms)) resource.set("effectiveDateTime", *when);
    resource.set("device", {{"reference", device_url_}});

    std::uint32_t quality = reading.quality;
    if (is_bp(reading)) {
      const FhirReading* systolic = group.first;
      const FhirReading* diastolic = group.second;
      if (reading.kind == proto::VitalKind::kBpDiastolic) std::swap(systolic, diastolic);
      if (group.second != nullptr)
        quality |= std::get<proto::Reading>(group.second->entry.body).quality;
      resource.set("component",
                   Json::array({bp_component(systolic, proto::VitalKind::kBpSystolic),
                                bp_component(diastolic, proto::VitalKind::kBpDiastolic)}));
    } else if (reading.sample_rate_mhz > 0 && !reading.samples.empty() && representable(reading)) {
      resource.set("valueSampledData", sampled_data(reading));
    } else {
      put_value(resource, reading, concept_ ? concept_->unit : "1");
    }
    if ((quality & proto::kQualityAlarm) != 0)
      resource.set(
          "interpretation",
          Json::array(
              {{{"coding", Json::array({coding(
                               "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                               "A", "Abnormal")})},
                {"text", "the sensor raised an alarm"}}}));
    if (std::string text = quality_text(quality); !text.empty())
      resource.set("note", Json::array({{{"text", text}}}));

    std::string id = reading_id(entry);
    // Created unless any reading it holds was exported before: a panel names
    // both of its readings (a comma is "or" in a FHIR search).
    std::string if_none_exist = std::string("identifier=") + kReadingSystem + "|" + id;
    if (group.second != nullptr)
      if_none_exist += std::string(",") + kReadingSystem + "|" + reading_id(group.second->entry);
    return {
        {"fullUrl", uuid_for(sha_, "reading:" + id)},
        {"resource", std::move(resource)},
        {"request", {{"method", "POST"}, {"url", "Observation"}, {"ifNoneExist", if_none_exist}}}};
  }

  Json provenance_entry(const FhirBlock& block, Json targets) const {
    const proto::BlockHeader& header = block.header;
    std::string block_id = device_.device_hex + "/" + std::to_string(header.height);
    std::string resource_id = "vs-" + device_.device_hex + "-" + std::to_string(header.height);
    const proto::ReceiptBody& receipt = block.receipt;
    const proto::LedgerRef& ledger = receipt.ledger;
    std::string anchor;
    if (ledger.kind == proto::LedgerKind::kEvm)
      anchor = "evm:" + ledger.chain_id + ":0x" + to_hex(ledger.transaction_id);
    else
      anchor = "local:" + ledger.chain_id + ":" + std::to_string(ledger.ledger_height);
    const char* state = proto::receipt_state_name(receipt.state);

    Json resource = {{"resourceType", "Provenance"}, {"id", resource_id}, {"target", targets}};
    auto first = instant(header.first_time_ms);
    auto last = instant(header.last_time_ms);
    if (first && last) resource.set("occurredPeriod", {{"start", *first}, {"end", *last}});
    auto sealed = instant(header.sealed_time_ms).value_or("1970-01-01T00:00:00.000Z");
    resource.set("recorded", sealed);
    resource.set(
        "agent",
        Json::array(
            {{{"type",
               {{"coding", Json::array({coding(
                               "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                               "author", "Author")})}}},
              {"who", {{"reference", device_url_}}}}}));
    resource.set(
        "entity",
        Json::array({{{"role", "source"},
                      {"what",
                       {{"identifier", {{"system", kBlockSystem}, {"value", block_id}}},
                        {"display", "block " + std::to_string(header.height) +
                                        ", SHA-256 of its header " + to_hex(block.block_hash)}}}},
                     {{"role", "source"},
                      {"what",
                       {{"identifier", {{"system", kAnchorSystem}, {"value", anchor}}},
                        {"display", "batch " + std::to_string(receipt.batch_id) + ", root " +
                                        to_hex(receipt.batch_root) + ", leaf " +
                                        std::to_string(receipt.leaf_index) + ", " + state}}}}}));
    // The device's signature covers the block header, whose entries root
    // covers these readings' exact bytes (`vitalsign proof export` gives
    // the path for one reading).
    resource.set(
        "signature",
        Json::array(
            {{{"type", Json::array({coding("urn:iso-astm:E1762-95:2013", "1.2.840.10065.1.12.1.5",
                                           "Verification Signature")})},
              {"when", sealed},
              {"who", {{"reference", device_url_}}},
              {"sigFormat", "application/octet-stream"},
              {"data", to_base64(block.signature)}}}));
    return {{"fullUrl", uuid_for(sha_, "block:" + block_id)},
            {"resource", std::move(resource)},
            {"request", {{"method", "PUT"}, {"url", "Provenance/" + resource_id}}}};
  }

  const FhirDeviceExport& device_;
  const Sha256& sha_;
  std::string device_url_;
};

}  // namespace

std::string FhirBundleJson::encode(const FhirDeviceExport& device, const Sha256& sha) {
  return Writer(device, sha).bundle().dump(2) + "\n";
}

std::size_t FhirBundleJson::observation_count(const FhirDeviceExport& device) {
  std::size_t count = 0;
  for (const FhirBlock& block : device.blocks) count += groups_of(block).size();
  return count;
}

}  // namespace vs::gateway
