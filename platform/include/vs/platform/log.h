#pragma once

#include <string_view>

namespace vs::platform {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// One line to the process's log sink (stderr by default, with a UTC time
// stamp and the level). A failure is logged once, by the layer that decides
// what to do about it.
void log(LogLevel level, std::string_view message);
void set_log_level(LogLevel minimum);

}  // namespace vs::platform
