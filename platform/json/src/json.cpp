#include "vs/platform/json.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace vs::platform {
namespace {

using ordered = nlohmann::ordered_json;

const ordered& node_of(const void* node) {
  return *static_cast<const ordered*>(node);
}

// nlohmann's rule for a braced list: all of its items ["key", value] make an object.
bool is_member(const ordered& value) {
  return value.is_array() && value.size() == 2 && value[0].is_string();
}

}  // namespace

struct Json::Value {
  ordered json;
};

Json::Json() : value_(std::make_unique<Value>()) {}
Json::Json(bool value) : value_(std::make_unique<Value>(Value{value})) {}
Json::Json(const char* value) : value_(std::make_unique<Value>(Value{value})) {}
Json::Json(std::string_view value) : value_(std::make_unique<Value>(Value{value})) {}
Json::Json(double value) : value_(std::make_unique<Value>(Value{value})) {}
Json::Json(std::int64_t value, SignedTag) : value_(std::make_unique<Value>(Value{value})) {}
Json::Json(std::uint64_t value, UnsignedTag) : value_(std::make_unique<Value>(Value{value})) {}

Json::Json(std::initializer_list<Json> items) : value_(std::make_unique<Value>()) {
  bool object = true;
  for (const Json& item : items) object = object && is_member(item.value_->json);
  if (!object) {
    value_->json = ordered::array();
    for (const Json& item : items) value_->json.push_back(item.value_->json);
    return;
  }
  value_->json = ordered::object();
  for (const Json& item : items)
    value_->json[item.value_->json[0].get_ref<const std::string&>()] = item.value_->json[1];
}

Json::~Json() = default;
Json::Json(const Json& other) : value_(std::make_unique<Value>(*other.value_)) {}
Json::Json(Json&& other) noexcept : value_(std::move(other.value_)) {}
Json& Json::operator=(const Json& other) {
  if (this != &other) value_ = std::make_unique<Value>(*other.value_);
  return *this;
}
Json& Json::operator=(Json&& other) noexcept {
  value_ = std::move(other.value_);
  return *this;
}

Json Json::array(std::initializer_list<Json> items) {
  Json out;
  out.value_->json = ordered::array();
  for (const Json& item : items) out.value_->json.push_back(item.value_->json);
  return out;
}

Json Json::object() {
  Json out;
  out.value_->json = ordered::object();
  return out;
}

Result<Json> Json::parse(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return Error(ErrorCode::kMalformed, "JSON text is over its size limit")
        .about(std::to_string(text.size()) + " bytes, at most " + std::to_string(max_bytes));
  Json out;
  out.value_->json = ordered::parse(text, nullptr, false);
  if (out.value_->json.is_discarded())
    return Error(ErrorCode::kMalformed, "not valid JSON (truncated?)");
  return out;
}

Json& Json::push_back(Json item) {
  value_->json.push_back(std::move(item.value_->json));
  return *this;
}

Json& Json::set(std::string_view key, Json value) {
  value_->json[std::string(key)] = std::move(value.value_->json);
  return *this;
}

JsonView Json::view() const {
  return JsonView(&value_->json);
}

std::string Json::dump(int indent) const {
  return view().dump(indent);
}

bool JsonView::is_object() const {
  return node_ != nullptr && node_of(node_).is_object();
}
bool JsonView::is_array() const {
  return node_ != nullptr && node_of(node_).is_array();
}
bool JsonView::is_string() const {
  return node_ != nullptr && node_of(node_).is_string();
}
bool JsonView::is_unsigned() const {
  return node_ != nullptr && node_of(node_).is_number_unsigned();
}

JsonView JsonView::operator[](std::string_view key) const {
  if (!is_object()) return {};
  const ordered& node = node_of(node_);
  auto found = node.find(key);
  return found == node.end() ? JsonView() : JsonView(&*found);
}

JsonView JsonView::operator[](std::size_t index) const {
  if (!is_array() || index >= node_of(node_).size()) return {};
  return JsonView(&node_of(node_)[index]);
}

std::size_t JsonView::size() const {
  return is_object() || is_array() ? node_of(node_).size() : 0;
}

std::optional<std::string_view> JsonView::string() const {
  if (!is_string()) return std::nullopt;
  return std::string_view(node_of(node_).get_ref<const std::string&>());
}

std::optional<std::uint64_t> JsonView::unsigned_number() const {
  if (!is_unsigned()) return std::nullopt;
  return node_of(node_).get<std::uint64_t>();
}

std::string JsonView::dump(int indent) const {
  if (node_ == nullptr) return "null";
  // Text from outside may hold invalid UTF-8: replaced, never thrown on.
  return node_of(node_).dump(indent, ' ', false, ordered::error_handler_t::replace);
}

}  // namespace vs::platform
