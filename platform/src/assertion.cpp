#include "vs/platform/assertion.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace vs {
namespace {

void abort_handler(const char* expression, const char* file, int line) {
  std::fprintf(stderr, "vitalsign: assertion failed: %s (%s:%d)\n", expression, file, line);
  std::fflush(stderr);
}

std::atomic<AssertionHandler> handler{abort_handler};

}  // namespace

AssertionHandler set_assertion_handler(AssertionHandler new_handler) {
  return handler.exchange(new_handler ? new_handler : abort_handler);
}

void assertion_failed(const char* expression, const char* file, int line) {
  handler.load()(expression, file, line);
  std::abort();  // a handler that returns still stops the program
}

}  // namespace vs
