// Errors are values at every library boundary: a closed code the caller can
// branch on, the vendor's own code kept as is, a static reason and the name
// of the thing that failed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace vs {

enum class ErrorCode : std::uint8_t {
  kMalformed = 1,    // bytes that do not decode, or break the format's rules
  kIntegrity,        // decodes, but a hash, signature or link does not hold
  kInvalidArgument,  // a caller or config value out of range
  kNotFound,
  kPermission,
  kNoSpace,
  kIo,
  kUnavailable,  // a peer or service is down; retry later
  kTimeout,
  kUnsupported,  // a version or feature this build does not handle
  kConflict,     // already exists, or contradicts what is stored
  kInternal,     // a library failed in a way the caller cannot fix
};

const char* to_string(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, const char* reason, int native_code = 0)
      : code_(code), native_code_(native_code), reason_(reason) {}

  ErrorCode code() const { return code_; }
  int native_code() const { return native_code_; }
  const char* reason() const { return reason_; }
  const std::string& subject() const { return subject_; }

  // Names the thing that failed ("block 12", "entry 3"); outer layers prepend.
  Error& about(const std::string& thing) &;
  Error&& about(const std::string& thing) &&;

  // "block 12: entry 3: signature does not verify [integrity]"
  std::string message() const;

 private:
  ErrorCode code_;
  int native_code_;
  const char* reason_;
  std::string subject_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit by design: `return value;` and `return Error(...);` both work.
  Result(T initial) : state_(std::in_place_index<0>, std::move(initial)) {}      // NOLINT
  Result(Error failure) : state_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  // By value: `for (x : f().value())` must not dangle.
  T value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace vs

#define VS_CONCAT_INNER(a, b) a##b
#define VS_CONCAT(a, b) VS_CONCAT_INNER(a, b)

// Returns the error of `expr` from the enclosing function.
#define VS_TRY(expr)                                               \
  do {                                                             \
    auto vs_try_result_ = (expr);                                  \
    if (!vs_try_result_) return std::move(vs_try_result_).error(); \
  } while (false)

// Declares `lhs` from the value of `expr`, or returns its error. Expands to
// several statements: inside an `if`, use braces.
#define VS_TRY_ASSIGN(lhs, expr) VS_TRY_ASSIGN_IMPL(VS_CONCAT(vs_result_, __LINE__), lhs, expr)
#define VS_TRY_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                       \
  if (!tmp) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()
