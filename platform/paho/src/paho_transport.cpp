#include "vs/platform/paho_transport.h"

#include <mqtt/async_client.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "vs/platform/log.h"

namespace vs::platform {
namespace {

constexpr std::size_t kPacketOverheadBytes = 1024;
constexpr std::size_t kMaxMqttPacketBytes = 268'435'455;  // MQTT's own ceiling

// Paho C cannot set TCP_NODELAY, and Nagle's algorithm then holds small
// publishes (live readings) for ~40 ms behind a delayed ACK (stack.md,
// pitfall 7). After each connect, find this process's TCP sockets to the
// broker's port and set it on them.
void set_nodelay_towards(const std::string& server_uri) {
  std::size_t colon = server_uri.rfind(':');
  if (colon == std::string::npos) return;
  int port = std::atoi(server_uri.c_str() + colon + 1);
  if (port <= 0) return;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    int fd = std::atoi(entry.path().filename().c_str());
    int type = 0;
    socklen_t length = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) continue;
    sockaddr_storage peer{};
    length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;
    int peer_port = 0;
    if (peer.ss_family == AF_INET) {
      peer_port = ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
    } else if (peer.ss_family == AF_INET6) {
      peer_port = ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port);
    }
    if (peer_port != port) continue;
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
}

// Reason codes of a refused PUBACK or SUBACK (MQTT v5).
Error refusal(const mqtt::exception& error, const char* what) {
  int reason = error.get_reason_code();
  if (reason == 0x87)
    return Error(ErrorCode::kPermission, "broker refused: not authorized", reason);
  if (reason >= 0x80) return Error(ErrorCode::kUnavailable, what, reason);
  return Error(ErrorCode::kUnavailable, what, error.get_return_code());
}

// One listener for all publishes: the token's user context owns the callback.
class PublishListener final : public mqtt::iaction_listener {
 public:
  void on_success(const mqtt::token& token) override { finish(token, {}); }
  void on_failure(const mqtt::token& token) override {
    int reason = token.get_reason_code();
    finish(token, reason == 0x87
                      ? Error(ErrorCode::kPermission, "broker refused: not authorized", reason)
                      : Error(ErrorCode::kUnavailable, "publish was not acknowledged",
                              reason != 0 ? reason : token.get_return_code()));
  }

 private:
  static void finish(const mqtt::token& token, Status result) {
    auto* done = static_cast<Transport::PublishDone*>(token.get_user_context());
    if (done == nullptr) return;
    if (*done) (*done)(std::move(result));
    delete done;
  }
};

}  // namespace

struct PahoTransport::Impl {
  TransportOptions options;
  std::unique_ptr<mqtt::async_client> client;
  mqtt::connect_options connect_options;  // kept alive: Paho 1.2 points into it (bug #362)
  MessageHandler on_message;
  ConnectionHandler on_connection;
  PublishListener publish_listener;

  std::mutex mutex;
  std::condition_variable wake;
  std::vector<std::pair<std::string, int>> subscriptions;
  bool stopping = false;
  bool lost = true;  // the connector thread should (re)connect
  std::thread connector;
  std::string tls_error;  // the last TLS failure OpenSSL reported, under `mutex`
  bool is_tls() const {
    return options.server_uri.rfind("ssl://", 0) == 0 ||
           options.server_uri.rfind("mqtts://", 0) == 0;
  }
  std::string last_failure;      // the connector's: logged once per change
  std::string connected_broker;  // the connector's: the last broker it reached
  // server_uri, then more_server_uris: tried in turn, from the one after a
  // broker that was lost (next_broker under `mutex`).
  std::vector<std::string> brokers;
  std::size_t next_broker = 0;

  // Why a connect attempt failed, in words, from what Paho and OpenSSL said.
  std::string take_failure(const std::string& paho_said) {
    std::string tls;
    {
      std::lock_guard lock(mutex);
      tls.swap(tls_error);
    }
    if (!tls.empty()) return paho_said + " (TLS: " + tls + ")";
    // Paho says no more than "TCP/TLS connect failure" when the broker's
    // certificate fails verification (its CA or its name): say where to look.
    if (is_tls() && paho_said.find("TCP/TLS") != std::string::npos) {
      return paho_said +
             " (TLS: the broker is unreachable, or its certificate is not signed by the CA in " +
             options.ca_file + " or does not name the host in " + options.server_uri + ")";
    }
    return paho_said;
  }
  std::uint64_t oversized = 0;  // messages over max_incoming_bytes, on Paho's thread
  void note_oversized(const std::string& topic, std::size_t size) {
    // The first, then every 1000th: a flood cannot flood the log too.
    if (oversized++ % 1000 == 0) {
      log(LogLevel::kWarning, "dropped a " + std::to_string(size) + "-byte message on " + topic +
                                  " (over the " + std::to_string(options.max_incoming_bytes) +
                                  "-byte limit; " + std::to_string(oversized) + " so far)");
    }
  }
  void note_failure(const std::string& failure) {
    if (failure == last_failure) return;  // the same reason again: said already
    last_failure = failure;
    std::string named = options.server_uri;
    for (const std::string& more : options.more_server_uris) named += " or " + more;
    log(LogLevel::kWarning, "broker " + named + ": cannot connect: " + failure +
                                "; retrying, at most every " +
                                std::to_string(options.max_retry.count()) + " ms");
  }

  void subscribe_all() {
    std::vector<std::pair<std::string, int>> copy;
    {
      std::lock_guard lock(mutex);
      copy = subscriptions;
    }
    for (const auto& [filter, qos] : copy) {
      try {
        client->subscribe(filter, qos)->wait_for(std::chrono::seconds(5));
      } catch (const std::exception&) {
        // A failed subscribe shows as missing messages; the next reconnect retries.
      }
    }
  }

  // Connects, and reconnects after every loss, with exponential backoff.
  void connect_loop() {
    auto delay = options.min_retry;
    std::unique_lock lock(mutex);
    while (!stopping) {
      wake.wait(lock, [&] { return stopping || lost; });
      if (stopping) break;
      std::string broker = brokers[next_broker];
      lock.unlock();
      bool ok = false;
      try {
        // One broker per attempt, so that it is known which one answered.
        if (brokers.size() > 1)
          connect_options.set_servers(mqtt::string_collection::create(broker));
        auto token = client->connect(connect_options);
        ok = token->wait_for(std::chrono::seconds(10)) && client->is_connected();
        if (!ok) note_failure(take_failure("no answer within 10 s"));
      } catch (const mqtt::exception& error) {
        int reason = error.get_reason_code();
        note_failure(take_failure(reason >= 0x80 ? "refused: " + error.get_reason_code_str()
                                  : error.get_message().empty() ? error.get_error_str()
                                                                : error.get_message()));
      } catch (const std::exception& error) {
        note_failure(take_failure(error.what()));
      }
      if (ok) {
        set_nodelay_towards(broker);
        subscribe_all();
        delay = options.min_retry;
        if (broker != connected_broker && !connected_broker.empty()) {
          log(LogLevel::kInfo, "broker " + broker + ": connected (was " + connected_broker + ")");
        } else if (!last_failure.empty()) {
          log(LogLevel::kInfo, "broker " + broker + ": connected again");
        }
        last_failure.clear();
        connected_broker = broker;
      }
      lock.lock();
      if (ok) {
        lost = false;
        lock.unlock();
        if (on_connection) on_connection(true);
        lock.lock();
      } else if (!stopping) {
        // The next broker at once; a pause (growing) after a whole round.
        next_broker = (next_broker + 1) % brokers.size();
        if (next_broker == 0) {
          wake.wait_for(lock, delay, [&] { return stopping; });
          delay = std::min(delay * 2, options.max_retry);
        }
      }
    }
  }
};

namespace {

// A TLS file that is not there would only show as endless silent retries.
Status check_tls_files(const TransportOptions& options) {
  for (const std::string* file : {&options.ca_file, &options.cert_file, &options.key_file}) {
    if (file->empty()) continue;
    std::error_code error;
    if (!std::filesystem::is_regular_file(*file, error))
      return Error(ErrorCode::kNotFound, "TLS file is missing or not a regular file").about(*file);
    if (::access(file->c_str(), R_OK) != 0)
      return Error(ErrorCode::kPermission, "TLS file cannot be read").about(*file);
  }
  return {};
}

// MQTT 5, persistent session, no automatic reconnect (connect_loop does it),
// TLS for ssl:// and mqtts://, and the will.
// May throw mqtt::exception: called inside start()'s try.
mqtt::connect_options connect_options_for(const TransportOptions& options,
                                          std::function<void(const std::string&)> on_tls_error) {
  auto builder = mqtt::connect_options_builder()
                     .mqtt_version(MQTTVERSION_5)
                     .clean_start(false)
                     .keep_alive_interval(options.keep_alive)
                     .automatic_reconnect(false);
  if (options.will) {
    builder.will(mqtt::message(options.will->topic, options.will->payload.data(),
                               options.will->payload.size(), 1, options.will->retained));
  }
  if (options.server_uri.rfind("ssl://", 0) == 0 || options.server_uri.rfind("mqtts://", 0) == 0) {
    auto ssl = mqtt::ssl_options_builder()
                   .trust_store(options.ca_file)
                   .key_store(options.cert_file)
                   .private_key(options.key_file)
                   .enable_server_cert_auth(true)
                   .verify(true)
                   .error_handler(std::move(on_tls_error))
                   .finalize();
    builder.ssl(std::move(ssl));
  }
  return builder.finalize();
}

// Session expiry and the largest packet we take. Set last, on the kept
// connect options: a copy of them would lose these (Paho bug #362).
mqtt::properties connect_properties(const TransportOptions& options) {
  mqtt::properties properties{
      {mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int>(options.session_expiry.count())}};
  if (options.max_incoming_bytes > 0) {
    // The packet also holds the topic and properties: room for those.
    auto packet = std::min<std::size_t>(options.max_incoming_bytes + kPacketOverheadBytes,
                                        kMaxMqttPacketBytes);
    properties.add({mqtt::property::MAXIMUM_PACKET_SIZE, static_cast<int>(packet)});
  }
  return properties;
}

}  // namespace

PahoTransport::PahoTransport() : impl_(std::make_unique<Impl>()) {}

PahoTransport::~PahoTransport() {
  stop(std::chrono::milliseconds(0));
}

Status PahoTransport::start(const TransportOptions& options, MessageHandler on_message,
                            ConnectionHandler on_connection) {
  Impl& impl = *impl_;
  if (impl.client) return Error(ErrorCode::kConflict, "transport is already started");
  VS_TRY(check_tls_files(options));
  impl.options = options;
  impl.on_message = std::move(on_message);
  impl.on_connection = std::move(on_connection);
  try {
    auto create = mqtt::create_options_builder()
                      .mqtt_version(MQTTVERSION_5)  // needed at create time for v5
                      .send_while_disconnected(false)
                      .max_buffered_messages(static_cast<int>(options.max_outstanding))
                      .delete_oldest_messages(false)
                      .finalize();
    impl.client =
        std::make_unique<mqtt::async_client>(options.server_uri, options.client_id, create);
    impl.connect_options = connect_options_for(options, [this](const std::string& message) {
      std::lock_guard lock(impl_->mutex);
      impl_->tls_error = message;
    });
    impl.connect_options.set_properties(connect_properties(options));
    impl.brokers = {options.server_uri};
    impl.brokers.insert(impl.brokers.end(), options.more_server_uris.begin(),
                        options.more_server_uris.end());
    impl.client->set_message_callback([this](mqtt::const_message_ptr message) {
      const std::string& payload = message->get_payload_str();
      std::size_t limit = impl_->options.max_incoming_bytes;
      if (limit > 0 && payload.size() > limit) {
        // The broker should not have sent it; counted in the log, never decoded.
        impl_->note_oversized(message->get_topic(), payload.size());
        return;
      }
      if (impl_->on_message) {
        impl_->on_message(
            TransportMessage{message->get_topic(), Bytes(payload.begin(), payload.end())});
      }
    });
    impl.client->set_connection_lost_handler([this](const std::string&) {
      {
        std::lock_guard lock(impl_->mutex);
        impl_->lost = true;
        // Its broker is gone: try the next one first.
        impl_->next_broker = (impl_->next_broker + 1) % impl_->brokers.size();
      }
      impl_->wake.notify_all();
      if (impl_->on_connection) impl_->on_connection(false);
    });
  } catch (const mqtt::exception& error) {
    impl.client.reset();
    return Error(ErrorCode::kInvalidArgument, "cannot set up the MQTT client",
                 error.get_return_code())
        .about(options.server_uri);
  } catch (const std::exception&) {
    impl.client.reset();
    return Error(ErrorCode::kInvalidArgument, "cannot set up the MQTT client")
        .about(options.server_uri);
  }
  impl.connector = std::thread([this] { impl_->connect_loop(); });
  return {};
}

Status PahoTransport::subscribe(const std::string& filter, int qos) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->subscriptions.emplace_back(filter, qos);
  }
  if (!connected()) return {};  // made on connect
  try {
    impl_->client->subscribe(filter, qos)->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception& error) {
    return refusal(error, "subscribe failed");
  }
  return {};
}

Status PahoTransport::publish(const std::string& topic, ByteView payload, int qos, bool retained,
                              PublishDone done) {
  if (!connected()) return Error(ErrorCode::kUnavailable, "not connected to the broker");
  auto* context = new PublishDone(std::move(done));
  try {
    auto message = mqtt::make_message(topic, payload.data(), payload.size(), qos, retained);
    impl_->client->publish(message, context, impl_->publish_listener);
  } catch (const mqtt::exception& error) {
    delete context;
    return refusal(error, "publish failed");
  } catch (const std::exception&) {
    delete context;
    return Error(ErrorCode::kUnavailable, "publish failed");
  }
  return {};
}

bool PahoTransport::connected() const {
  try {
    return impl_->client && impl_->client->is_connected();
  } catch (const std::exception&) {
    return false;
  }
}

void PahoTransport::stop(std::chrono::milliseconds drain) {
  if (!impl_->client) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->connector.joinable()) impl_->connector.join();
  try {
    if (impl_->client->is_connected()) {
      impl_->client->disconnect(static_cast<int>(drain.count()))
          ->wait_for(drain + std::chrono::seconds(1));
    }
  } catch (const std::exception&) {
    // Already gone: nothing to drain.
  }
  impl_->client.reset();
}

}  // namespace vs::platform
