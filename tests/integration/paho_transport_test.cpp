// The Paho adapter against a real Mosquitto: what it promises behind the
// Transport interface (connect, QoS 1 delivery with its completion, the
// incoming size limit, reconnection, refusal of what cannot work).
#include "vs/platform/paho_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mosquitto_server.h"
#include "temp_dir.h"

namespace vs::platform {
namespace {

using namespace std::chrono_literals;

// Messages and connection changes, waited for.
class Inbox {
 public:
  void message(TransportMessage message) {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message));
    changed_.notify_all();
  }
  void connection(bool connected) {
    std::lock_guard lock(mutex_);
    connected ? ++ups_ : ++downs_;
    changed_.notify_all();
  }
  template <typename Predicate>
  bool wait(Predicate done, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(*this); });
  }
  std::vector<TransportMessage> messages_;
  int ups_ = 0, downs_ = 0;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
};

class PahoTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(broker_.start()) << broker_.log(); }

  TransportOptions options(const std::string& client_id) const {
    TransportOptions out;
    out.server_uri = broker_.uri();
    out.client_id = client_id;
    out.keep_alive = std::chrono::seconds(5);
    return out;
  }
  Status start(PahoTransport& transport, Inbox& inbox, TransportOptions opts) {
    return transport.start(
        opts, [&inbox](TransportMessage m) { inbox.message(std::move(m)); },
        [&inbox](bool up) { inbox.connection(up); });
  }

  vs::testing::TempDir dir_;
  vs::testing::MosquittoServer broker_{dir_.path() / "broker", {}};
};

TEST_F(PahoTransportTest, AQos1PublishIsDeliveredAndItsCompletionReported) {
  PahoTransport receiver, sender;
  Inbox received, sent;
  ASSERT_TRUE(start(receiver, received, options("receiver")).ok());
  ASSERT_TRUE(received.wait([](Inbox& in) { return in.ups_ > 0; }));
  ASSERT_TRUE(receiver.subscribe("test/+/blocks", 1).ok());
  ASSERT_TRUE(start(sender, sent, options("sender")).ok());
  ASSERT_TRUE(sent.wait([](Inbox& in) { return in.ups_ > 0; }));
  std::this_thread::sleep_for(200ms);  // the subscription reaches the broker
  std::atomic<bool> acknowledged{false};
  Bytes payload{1, 2, 3};
  ASSERT_TRUE(sender
                  .publish("test/dev/blocks", payload, 1, false,
                           [&](Status result) { acknowledged = result.ok(); })
                  .ok());
  ASSERT_TRUE(received.wait([](Inbox& in) { return !in.messages_.empty(); }));
  EXPECT_EQ(received.messages_[0].topic, "test/dev/blocks");
  EXPECT_EQ(received.messages_[0].payload, payload);
  for (int i = 0; i < 100 && !acknowledged; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(acknowledged);
  sender.stop(200ms);
  receiver.stop(200ms);
}

TEST_F(PahoTransportTest, AMessageOverTheIncomingLimitIsNeverHandedOver) {
  PahoTransport receiver, sender;
  Inbox received, sent;
  TransportOptions limited = options("limited");
  limited.max_incoming_bytes = 16;
  ASSERT_TRUE(start(receiver, received, limited).ok());
  ASSERT_TRUE(received.wait([](Inbox& in) { return in.ups_ > 0; }));
  ASSERT_TRUE(receiver.subscribe("test/#", 1).ok());
  ASSERT_TRUE(start(sender, sent, options("big-sender")).ok());
  ASSERT_TRUE(sent.wait([](Inbox& in) { return in.ups_ > 0; }));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(sender.publish("test/big", Bytes(4096, 7), 1, false, nullptr).ok());
  ASSERT_TRUE(sender.publish("test/small", Bytes(8, 1), 1, false, nullptr).ok());
  ASSERT_TRUE(received.wait([](Inbox& in) { return !in.messages_.empty(); }));
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(received.messages_.size(), 1u);
  EXPECT_EQ(received.messages_[0].topic, "test/small");
  sender.stop(200ms);
  receiver.stop(200ms);
}

TEST_F(PahoTransportTest, ItReconnectsWhenTheBrokerComesBack) {
  PahoTransport transport;
  Inbox inbox;
  ASSERT_TRUE(start(transport, inbox, options("reconnecting")).ok());
  ASSERT_TRUE(inbox.wait([](Inbox& in) { return in.ups_ == 1; }));
  broker_.stop();
  ASSERT_TRUE(inbox.wait([](Inbox& in) { return in.downs_ >= 1; }));
  EXPECT_FALSE(transport.connected());
  EXPECT_FALSE(transport.publish("test/x", Bytes{1}, 1, false, nullptr).ok());  // nothing buffered
  ASSERT_TRUE(broker_.start());
  ASSERT_TRUE(inbox.wait([](Inbox& in) { return in.ups_ >= 2; }, 30s));
  EXPECT_TRUE(transport.connected());
  transport.stop(200ms);
}

// A device's broker list: when its broker goes, it moves to the next one,
// and its subscriptions come along; with every broker down for a while, it
// comes back to whichever returns.
TEST_F(PahoTransportTest, ItFailsOverAlongItsBrokerList) {
  vs::testing::MosquittoServer second(dir_.path() / "second", {});
  ASSERT_TRUE(second.start()) << second.log();
  PahoTransport device;
  Inbox inbox;
  TransportOptions listed = options("failing-over");
  listed.more_server_uris = {second.uri()};
  ASSERT_TRUE(start(device, inbox, listed).ok());
  ASSERT_TRUE(inbox.wait([](Inbox& in) { return in.ups_ == 1; }));
  ASSERT_TRUE(device.subscribe("cmd/failing-over", 1).ok());

  broker_.stop();
  ASSERT_TRUE(inbox.wait([](Inbox& in) { return in.ups_ >= 2; }, 30s))
      << "never reached the second";
  // It is on the second broker now: a message published there reaches it.
  PahoTransport sender;
  Inbox ignored;
  TransportOptions on_second = options("sender");
  on_second.server_uri = second.uri();
  ASSERT_TRUE(start(sender, ignored, on_second).ok());
  ASSERT_TRUE(ignored.wait([](Inbox& in) { return in.ups_ == 1; }));
  ASSERT_TRUE(sender.publish("cmd/failing-over", Bytes{7}, 1, false, nullptr).ok());
  ASSERT_TRUE(inbox.wait([](Inbox& in) { return in.messages_.size() == 1; }));
  sender.stop(200ms);

  second.stop();
  ASSERT_TRUE(inbox.wait([](Inbox& in) { return in.downs_ >= 2; }));
  ASSERT_TRUE(broker_.start());
  ASSERT_TRUE(inbox.wait([](Inbox& in) { return in.ups_ >= 3; }, 30s)) << "never came back";
  EXPECT_TRUE(device.connected());
  device.stop(200ms);
}

TEST_F(PahoTransportTest, WhatCannotWorkIsRefusedAtStart) {
  PahoTransport transport;
  Inbox inbox;
  TransportOptions tls = options("tls");
  tls.server_uri = "ssl://127.0.0.1:1";
  tls.ca_file = (dir_.path() / "missing-ca.crt").string();
  auto refused = start(transport, inbox, tls);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(refused.error().message().find("missing-ca.crt"), std::string::npos);
  PahoTransport twice;
  ASSERT_TRUE(start(twice, inbox, options("twice")).ok());
  EXPECT_EQ(start(twice, inbox, options("twice")).error().code(), ErrorCode::kConflict);
  twice.stop(100ms);
}

}  // namespace
}  // namespace vs::platform
