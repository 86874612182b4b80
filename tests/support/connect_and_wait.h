// Starts a transport and waits for its first connection: what tests and
// benchmarks do before they publish.
#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <memory>

#include "vs/platform/transport.h"

namespace vs::testing {

inline Status connect_and_wait(platform::Transport& transport,
                               const platform::TransportOptions& options,
                               platform::Transport::MessageHandler on_message,
                               std::chrono::seconds timeout = std::chrono::seconds(10)) {
  auto up = std::make_shared<std::promise<void>>();
  auto once = std::make_shared<std::atomic<bool>>(false);
  auto connected = up->get_future();
  VS_TRY(transport.start(options, std::move(on_message), [up, once](bool is_up) {
    if (is_up && !once->exchange(true)) up->set_value();
  }));
  if (connected.wait_for(timeout) != std::future_status::ready) {
    return Error(ErrorCode::kTimeout, "transport did not connect in time");
  }
  return {};
}

}  // namespace vs::testing
