#include "vs/platform/fan_out_transport.h"

#include <gtest/gtest.h>

#include "fakes/fake_transport.h"

namespace vs::platform {
namespace {

class FanOutTransportTest : public ::testing::Test {
 protected:
  FanOutTransportTest() {
    std::vector<std::unique_ptr<Transport>> children;
    for (auto*& broker : brokers_) {
      auto child = std::make_unique<vs::testing::FakeTransport>();
      broker = child.get();
      children.push_back(std::move(child));
    }
    fan_out_ = std::make_unique<FanOutTransport>(std::move(children));
  }
  Status start() {
    TransportOptions options;
    options.server_uri = "tcp://a:1883";
    options.more_server_uris = {"tcp://b:1883"};
    return fan_out_->start(
        options, [this](TransportMessage message) { received_.push_back(message.topic); },
        [this](bool connected) { changes_.push_back(connected); });
  }

  vs::testing::FakeTransport* brokers_[2] = {};
  std::unique_ptr<FanOutTransport> fan_out_;
  std::vector<std::string> received_;
  std::vector<bool> changes_;
};

TEST_F(FanOutTransportTest, EachBrokerGetsItsOwnUriAndEverySubscription) {
  ASSERT_TRUE(start().ok());
  EXPECT_EQ(brokers_[0]->options().server_uri, "tcp://a:1883");
  EXPECT_EQ(brokers_[1]->options().server_uri, "tcp://b:1883");
  EXPECT_TRUE(brokers_[1]->options().more_server_uris.empty());
  ASSERT_TRUE(fan_out_->subscribe("$share/vitalsign/vs/v1/+/blocks", 1).ok());
  EXPECT_EQ(brokers_[0]->subscriptions.size(), 1u);
  EXPECT_EQ(brokers_[1]->subscriptions.size(), 1u);
  brokers_[1]->deliver("vs/v1/d/blocks", {});
  brokers_[0]->deliver("vs/v1/e/blocks", {});
  EXPECT_EQ(received_, (std::vector<std::string>{"vs/v1/d/blocks", "vs/v1/e/blocks"}));
}

TEST_F(FanOutTransportTest, ConnectedWhileAnyBrokerIsAndPublishesToEveryConnectedOne) {
  ASSERT_TRUE(start().ok());
  EXPECT_FALSE(fan_out_->connected());
  EXPECT_FALSE(fan_out_->publish("t", as_bytes("x"), 1, false, nullptr).ok());
  brokers_[0]->connect();
  brokers_[1]->connect();
  brokers_[0]->disconnect();
  EXPECT_TRUE(fan_out_->connected());
  EXPECT_EQ(changes_, std::vector<bool>{true});  // one change: from none to some
  int done = 0;
  ASSERT_TRUE(fan_out_->publish("t", as_bytes("x"), 1, false, [&](Status) { ++done; }).ok());
  EXPECT_EQ(brokers_[0]->published.size(), 0u);
  EXPECT_EQ(brokers_[1]->published.size(), 1u);
  brokers_[0]->connect();
  ASSERT_TRUE(fan_out_->publish("t", as_bytes("y"), 1, false, [&](Status) { ++done; }).ok());
  brokers_[0]->settle_all();
  brokers_[1]->settle_all();
  EXPECT_EQ(done, 2);  // once per publish, however many brokers took it
  brokers_[0]->disconnect();
  brokers_[1]->disconnect();
  EXPECT_EQ(changes_, (std::vector<bool>{true, false}));
}

TEST_F(FanOutTransportTest, ABrokerCountThatDoesNotMatchIsRefused) {
  TransportOptions options;
  options.server_uri = "tcp://a:1883";
  auto refused = fan_out_->start(options, nullptr, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vs::platform
