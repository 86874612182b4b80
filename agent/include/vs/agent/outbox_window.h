#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>

namespace vs::agent {

// What the uplink publishes next from the store, which is the outbox: new
// blocks in height order within a window of unacknowledged publishes,
// heights asked for again (a resend request, a receipt chase), each queued
// once and taking turns with new blocks so that neither starves; after a
// reconnect, everything again from the oldest block without an anchored
// receipt. Pure bookkeeping: the agent publishes and reports back.
class OutboxWindow {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  OutboxWindow(std::uint64_t window, std::uint64_t resend_max_blocks, std::uint64_t start_height,
               TimePoint now)
      : window_(window),
        resend_max_blocks_(resend_max_blocks),
        next_publish_(start_height),
        oldest_unretired_(start_height),
        oldest_unretired_since_(now) {}

  // Connected: from `from` again, nothing in flight.
  void restart(std::uint64_t from) {
    next_publish_ = from;
    in_flight_.clear();
  }

  struct Pick {
    std::uint64_t height = 0;
    bool resend = false;
  };
  // The next height to publish, now counted in flight; none when the
  // window is full or nothing waits. `tip`: the highest sealed height.
  // `acknowledged(h)`: a stored receipt says the gateway has block h.
  std::optional<Pick> next(std::optional<std::uint64_t> tip,
                           const std::function<bool(std::uint64_t)>& acknowledged);
  // The publish of `height` ended (the broker's PUBACK, or a failure), or
  // could not even start (`ok` false: it goes out again).
  void finished(std::uint64_t height, bool ok);
  // A picked height whose block is no longer stored (pruned: anchored long ago).
  void forget(std::uint64_t height) { in_flight_.erase(height); }

  // A verified resend request for [from, to], clamped to what is stored
  // ([lowest, tip]) and to resend_max_blocks. Returns how many were new.
  std::size_t ask(std::uint64_t from, std::uint64_t to, std::uint64_t lowest, std::uint64_t tip);
  // A receipt can be lost while the connection stays up: when the oldest
  // unretired height has not moved for `timeout` although it was
  // published, the heights of the window from it that `anchored(h)` says
  // lack an anchored receipt go out again. True when it chased.
  // Only while `connected`; the oldest height is followed either way.
  bool chase(std::uint64_t oldest_unretired, std::optional<std::uint64_t> tip, bool connected,
             TimePoint now, std::chrono::milliseconds timeout,
             const std::function<bool(std::uint64_t)>& anchored);

  bool drained(std::optional<std::uint64_t> tip) const {
    return in_flight_.empty() && !(tip && next_publish_ <= *tip);
  }
  std::uint64_t next_height() const { return next_publish_; }
  std::size_t resends_waiting() const { return resend_heights_.size(); }

 private:
  std::uint64_t window_;
  std::uint64_t resend_max_blocks_;
  std::uint64_t next_publish_;
  std::set<std::uint64_t> in_flight_;
  std::set<std::uint64_t> resend_heights_;
  bool resend_turn_ = true;  // a resend first: the gateway holds blocks past the gap
  std::uint64_t oldest_unretired_;
  TimePoint oldest_unretired_since_;
};

}  // namespace vs::agent
