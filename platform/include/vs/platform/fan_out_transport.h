#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "vs/platform/transport.h"

namespace vs::platform {

// Several independent brokers as one transport (a gateway of a cluster,
// with no broker cluster): one child transport per broker, each connecting
// and reconnecting on its own. A subscription is made on every broker, a
// message from any is handed on, and a publish goes to every connected
// broker: the device it is for is on one of them, and the others drop it
// for want of a subscriber. Connected while any broker is.
class FanOutTransport final : public Transport {
 public:
  // One child per broker: options.server_uri, then options.more_server_uris.
  explicit FanOutTransport(std::vector<std::unique_ptr<Transport>> children);

  Status start(const TransportOptions& options, MessageHandler on_message,
               ConnectionHandler on_connection) override;
  Status subscribe(const std::string& filter, int qos) override;
  // Succeeds when one broker took it; `done` runs once, with the first
  // broker's result that acknowledged it (or the last failure).
  Status publish(const std::string& topic, ByteView payload, int qos, bool retained,
                 PublishDone done) override;
  bool connected() const override;
  void stop(std::chrono::milliseconds drain) override;

 private:
  std::vector<std::unique_ptr<Transport>> children_;
  std::mutex mutex_;
  std::vector<bool> connected_;  // per child, under mutex_
  bool any_connected_ = false;
};

}  // namespace vs::platform
