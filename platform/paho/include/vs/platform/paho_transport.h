#pragma once

#include <memory>

#include "vs/platform/transport.h"

namespace vs::platform {

// Transport on Paho MQTT C++ 1.2 (MQTT v5, TLS with client certificates,
// persistent session). Paho's exceptions stop here and become errors.
// Reconnection is ours, not Paho's automatic reconnect (Paho C 1.3.12 has
// callback bugs around it, #1341), and Paho's offline buffer is off.
class PahoTransport final : public Transport {
 public:
  PahoTransport();
  ~PahoTransport() override;
  PahoTransport(const PahoTransport&) = delete;
  PahoTransport& operator=(const PahoTransport&) = delete;

  Status start(const TransportOptions& options, MessageHandler on_message,
               ConnectionHandler on_connection) override;
  Status subscribe(const std::string& filter, int qos) override;
  Status publish(const std::string& topic, ByteView payload, int qos, bool retained,
                 PublishDone done) override;
  bool connected() const override;
  void stop(std::chrono::milliseconds drain) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs::platform
