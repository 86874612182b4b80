#include "vs/platform/result.h"

namespace vs {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kIntegrity:
      return "integrity";
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kPermission:
      return "permission";
    case ErrorCode::kNoSpace:
      return "no space";
    case ErrorCode::kIo:
      return "i/o";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

Error& Error::about(const std::string& thing) & {
  subject_ = subject_.empty() ? thing : thing + ": " + subject_;
  return *this;
}

Error&& Error::about(const std::string& thing) && {
  return std::move(about(thing));
}

std::string Error::message() const {
  std::string text = subject_.empty() ? std::string() : subject_ + ": ";
  text += reason_;
  text += " [";
  text += to_string(code_);
  if (native_code_ != 0) {
    text += ", native ";
    text += std::to_string(native_code_);
  }
  text += "]";
  return text;
}

}  // namespace vs
