// Assertions are for programming errors only, never for outside input.
// The handler is installable so tests can check it (death tests) and a
// device build can log and reboot instead of abort.
#pragma once

namespace vs {

using AssertionHandler = void (*)(const char* expression, const char* file, int line);

// Returns the previous handler. The default prints and aborts.
AssertionHandler set_assertion_handler(AssertionHandler handler);
[[noreturn]] void assertion_failed(const char* expression, const char* file, int line);

}  // namespace vs

#define VS_ASSERT(condition) \
  ((condition) ? static_cast<void>(0) : ::vs::assertion_failed(#condition, __FILE__, __LINE__))
