#include "vs/agent/outbox_window.h"

#include <algorithm>

namespace vs::agent {

std::optional<OutboxWindow::Pick> OutboxWindow::next(
    std::optional<std::uint64_t> tip, const std::function<bool(std::uint64_t)>& acknowledged) {
  while (in_flight_.size() < window_) {
    bool fresh_waiting = tip && next_publish_ <= *tip;
    // Resends and new blocks take turns: neither can starve the other.
    bool resend = !resend_heights_.empty() && (resend_turn_ || !fresh_waiting);
    if (!resend_heights_.empty() && fresh_waiting) resend_turn_ = !resend_turn_;
    Pick pick;
    if (resend) {
      pick = {*resend_heights_.begin(), true};
      resend_heights_.erase(resend_heights_.begin());
      if (in_flight_.count(pick.height) > 0) continue;  // on its way already
    } else if (fresh_waiting) {
      pick = {next_publish_++, false};
      if (acknowledged(pick.height)) continue;  // the gateway has it already
    } else {
      return std::nullopt;
    }
    in_flight_.insert(pick.height);
    return pick;
  }
  return std::nullopt;
}

void OutboxWindow::finished(std::uint64_t height, bool ok) {
  in_flight_.erase(height);
  if (!ok) next_publish_ = std::min(next_publish_, height);  // publish it again
}

std::size_t OutboxWindow::ask(std::uint64_t from, std::uint64_t to, std::uint64_t lowest,
                              std::uint64_t tip) {
  from = std::max(from, lowest);
  to = std::min(to, tip);
  std::size_t before = resend_heights_.size();
  if (from <= to) {
    std::uint64_t count = std::min(to - from, resend_max_blocks_ - 1) + 1;
    for (std::uint64_t i = 0; i < count; ++i) resend_heights_.insert(from + i);
  }
  return resend_heights_.size() - before;
}

bool OutboxWindow::chase(std::uint64_t oldest_unretired, std::optional<std::uint64_t> tip,
                         bool connected, TimePoint now, std::chrono::milliseconds timeout,
                         const std::function<bool(std::uint64_t)>& anchored) {
  if (oldest_unretired != oldest_unretired_) {
    oldest_unretired_ = oldest_unretired;
    oldest_unretired_since_ = now;
    return false;
  }
  bool published = next_publish_ > oldest_unretired && tip && oldest_unretired <= *tip;
  if (!connected || !published || now - oldest_unretired_since_ < timeout) return false;
  std::uint64_t until = std::min(next_publish_, oldest_unretired + window_);
  for (std::uint64_t height = oldest_unretired; height < until; ++height)
    if (!anchored(height)) resend_heights_.insert(height);
  oldest_unretired_since_ = now;
  return true;
}

}  // namespace vs::agent
