#include "vs/platform/fan_out_transport.h"

namespace vs::platform {

FanOutTransport::FanOutTransport(std::vector<std::unique_ptr<Transport>> children)
    : children_(std::move(children)), connected_(children_.size(), false) {}

Status FanOutTransport::start(const TransportOptions& options, MessageHandler on_message,
                              ConnectionHandler on_connection) {
  std::vector<std::string> uris{options.server_uri};
  uris.insert(uris.end(), options.more_server_uris.begin(), options.more_server_uris.end());
  if (uris.size() != children_.size()) {
    return Error(ErrorCode::kInvalidArgument, "one transport per broker is needed")
        .about(std::to_string(uris.size()) + " brokers, " + std::to_string(children_.size()) +
               " transports");
  }
  for (std::size_t i = 0; i < children_.size(); ++i) {
    TransportOptions one = options;
    one.server_uri = uris[i];
    one.more_server_uris.clear();
    auto changed = [this, i, on_connection](bool connected) {
      bool any = false;
      bool flipped = false;
      {
        std::lock_guard lock(mutex_);
        connected_[i] = connected;
        for (bool child : connected_) any = any || child;
        flipped = any != any_connected_;
        any_connected_ = any;
      }
      if (flipped && on_connection) on_connection(any);
    };
    VS_TRY(children_[i]->start(one, on_message, changed));
  }
  return {};
}

Status FanOutTransport::subscribe(const std::string& filter, int qos) {
  for (auto& child : children_) VS_TRY(child->subscribe(filter, qos));
  return {};
}

Status FanOutTransport::publish(const std::string& topic, ByteView payload, int qos, bool retained,
                                PublishDone done) {
  // `done` once: at the first broker's acknowledgement, or after every
  // broker that took the message failed.
  struct Pending {
    std::mutex mutex;
    std::size_t waiting = 0;
    bool reported = false;
    PublishDone done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  std::optional<Error> last;
  std::size_t taken = 0;
  for (auto& child : children_) {
    if (!child->connected()) continue;
    {
      std::lock_guard lock(pending->mutex);
      ++pending->waiting;
    }
    PublishDone one = nullptr;
    if (pending->done) {
      one = [pending](Status result) {
        PublishDone report;
        {
          std::lock_guard lock(pending->mutex);
          --pending->waiting;
          if (pending->reported || (!result && pending->waiting > 0)) return;
          pending->reported = true;
          report = pending->done;
        }
        report(std::move(result));
      };
    }
    Status sent = child->publish(topic, payload, qos, retained, one);
    if (sent) {
      ++taken;
      continue;
    }
    std::lock_guard lock(pending->mutex);
    --pending->waiting;
    last = std::move(sent).error();
  }
  if (taken > 0) return {};
  if (last) return *std::move(last);
  return Error(ErrorCode::kUnavailable, "no broker is connected").about(topic);
}

bool FanOutTransport::connected() const {
  for (const auto& child : children_)
    if (child->connected()) return true;
  return false;
}

void FanOutTransport::stop(std::chrono::milliseconds drain) {
  for (auto& child : children_) child->stop(drain);
}

}  // namespace vs::platform
