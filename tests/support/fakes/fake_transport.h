#pragma once

#include <vector>

#include "vs/platform/transport.h"

namespace vs::testing {

// A transport the test drives by hand: it connects, acknowledges, fails and
// delivers messages when told to, and keeps everything that was published.
class FakeTransport final : public platform::Transport {
 public:
  struct Published {
    std::string topic;
    Bytes payload;
    int qos = 0;
    bool retained = false;
    PublishDone done;
    bool settled = false;
  };

  Status start(const platform::TransportOptions& options, MessageHandler on_message,
               ConnectionHandler on_connection) override {
    options_ = options;
    on_message_ = std::move(on_message);
    on_connection_ = std::move(on_connection);
    return {};
  }
  Status subscribe(const std::string& filter, int) override {
    subscriptions.push_back(filter);
    return {};
  }
  Status publish(const std::string& topic, ByteView payload, int qos, bool retained,
                 PublishDone done) override {
    if (!connected_) return Error(ErrorCode::kUnavailable, "not connected to the broker");
    published.push_back(
        {topic, Bytes(payload.begin(), payload.end()), qos, retained, std::move(done), false});
    return {};
  }
  bool connected() const override { return connected_; }
  void stop(std::chrono::milliseconds) override { connected_ = false; }

  void connect() {
    connected_ = true;
    on_connection_(true);
  }
  void disconnect() {
    connected_ = false;
    on_connection_(false);
  }
  // Acknowledges (or fails) every publish not yet settled.
  void settle_all(Status result = {}) {
    for (Published& item : published) {
      if (item.settled) continue;
      item.settled = true;
      if (item.done) item.done(result);
    }
  }
  void deliver(const std::string& topic, Bytes payload) {
    on_message_({topic, std::move(payload)});
  }

  // Publishes on a topic ending in `leaf`, in order.
  std::vector<const Published*> on(const std::string& leaf) const {
    std::vector<const Published*> out;
    for (const Published& item : published) {
      if (item.topic.size() >= leaf.size() &&
          item.topic.compare(item.topic.size() - leaf.size(), leaf.size(), leaf) == 0) {
        out.push_back(&item);
      }
    }
    return out;
  }

  const platform::TransportOptions& options() const { return options_; }
  std::vector<Published> published;
  std::vector<std::string> subscriptions;

 private:
  platform::TransportOptions options_;
  MessageHandler on_message_;
  ConnectionHandler on_connection_;
  bool connected_ = false;
};

}  // namespace vs::testing
