#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vs/platform/bytes.h"
#include "vs/platform/result.h"

namespace vs::platform {

struct TransportMessage {
  std::string topic;
  Bytes payload;
};

struct TransportWill {
  std::string topic;
  Bytes payload;
  bool retained = true;
};

struct TransportOptions {
  std::string server_uri;  // tcp://host:port, or ssl://host:port for TLS
  // Further brokers (same scheme): a device's transport fails over to them
  // in turn at every (re)connect, server_uri first; a FanOutTransport
  // connects to each.
  std::vector<std::string> more_server_uris;
  std::string client_id;
  std::string ca_file;    // TLS: the broker's CA
  std::string cert_file;  // TLS: this client's certificate (mutual TLS)
  std::string key_file;   // TLS: this client's private key
  std::chrono::seconds keep_alive{10};
  std::chrono::seconds session_expiry{3600};  // persistent session across reconnects
  std::chrono::milliseconds min_retry{250};
  std::chrono::milliseconds max_retry{8000};
  std::size_t max_outstanding = 1000;  // publishes not yet acknowledged
  // The largest payload this client takes (0: no limit). The broker is told
  // (MQTT v5 Maximum Packet Size) and drops larger messages for this client,
  // so they never reach its memory; one that still arrives is dropped here.
  std::size_t max_incoming_bytes = 0;
  std::optional<TransportWill> will;
};

// MQTT v5 behind one narrow interface (after coreMQTT's transport). The
// transport connects and reconnects by itself with backoff; it buffers
// nothing durable: a publish while disconnected fails at once, and the
// caller's store is the outbox. Handlers run on the transport's own thread
// and must not block.
class Transport {
 public:
  using MessageHandler = std::function<void(TransportMessage message)>;
  using ConnectionHandler = std::function<void(bool connected)>;
  using PublishDone = std::function<void(Status result)>;  // QoS 1: on PUBACK

  virtual ~Transport() = default;
  virtual Status start(const TransportOptions& options, MessageHandler on_message,
                       ConnectionHandler on_connection) = 0;
  // Kept across reconnects.
  virtual Status subscribe(const std::string& filter, int qos) = 0;
  // kUnavailable when not connected; `done` runs once, unless this fails.
  virtual Status publish(const std::string& topic, ByteView payload, int qos, bool retained,
                         PublishDone done) = 0;
  virtual bool connected() const = 0;
  // Disconnects cleanly (no last will), waiting at most `drain` for acks.
  virtual void stop(std::chrono::milliseconds drain) = 0;
};

}  // namespace vs::platform
