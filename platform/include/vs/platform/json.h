// JSON documents built and read without naming the JSON library (nlohmann-json
// behind it, in platform/json). Objects keep their members in insertion order,
// so the same document always prints the same bytes. Reading outside text is
// bounded and never throws: a parse failure is an error value.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vs/platform/result.h"

namespace vs::platform {

class JsonView;

// An owned JSON value. Built like nlohmann's values: a braced list whose
// items are all two-item lists starting with a string is an object, any
// other braced list is an array; Json::array() makes an array of any items.
class Json {
 public:
  Json();  // null
  Json(std::nullptr_t) : Json() {}
  Json(bool value);
  Json(const char* value);
  Json(std::string_view value);
  Json(const std::string& value) : Json(std::string_view(value)) {}
  template <std::signed_integral Integer>
  requires(!std::same_as<Integer, bool> && !std::same_as<Integer, char>) Json(Integer value)
      : Json(static_cast<std::int64_t>(value), SignedTag{}) {}
  template <std::unsigned_integral Integer>
  requires(!std::same_as<Integer, bool>) Json(Integer value)
      : Json(static_cast<std::uint64_t>(value), UnsignedTag{}) {}
  Json(double value);
  Json(std::initializer_list<Json> items);
  ~Json();
  Json(const Json& other);
  Json(Json&& other) noexcept;
  Json& operator=(const Json& other);
  Json& operator=(Json&& other) noexcept;

  static Json array(std::initializer_list<Json> items = {});
  static Json object();
  // Outside text, at most `max_bytes` long.
  static Result<Json> parse(std::string_view text, std::size_t max_bytes);

  // On an array: appends. On an object: sets `key` (replacing its value,
  // keeping its place). A null value becomes an array or object first.
  Json& push_back(Json item);
  Json& set(std::string_view key, Json value);

  JsonView view() const;
  // Two-space indented (`indent` 2) or compact (-1), without a final newline.
  std::string dump(int indent = 2) const;

 private:
  struct SignedTag {};
  struct UnsignedTag {};
  Json(std::int64_t value, SignedTag);
  Json(std::uint64_t value, UnsignedTag);

  struct Value;
  std::unique_ptr<Value> value_;
  friend class JsonView;
};

// A read-only look into a Json (which must outlive it). A missing member or
// item gives an empty view, so a path can be walked without checks between.
class JsonView {
 public:
  JsonView() = default;

  bool exists() const { return node_ != nullptr; }
  bool is_object() const;
  bool is_array() const;
  bool is_string() const;
  bool is_unsigned() const;  // a whole number >= 0

  JsonView operator[](std::string_view key) const;  // empty unless an object holding key
  JsonView operator[](std::size_t index) const;     // empty unless an array that long
  std::size_t size() const;                         // members or items; 0 otherwise

  std::optional<std::string_view> string() const;
  std::optional<std::uint64_t> unsigned_number() const;
  std::string dump(int indent = 2) const;

 private:
  explicit JsonView(const void* node) : node_(node) {}
  const void* node_ = nullptr;  // the library's value
  friend class Json;
};

}  // namespace vs::platform
