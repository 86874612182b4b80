#include "vs/agent/agent_config.h"

#include <gtest/gtest.h>

namespace vs::agent {
namespace {

Result<AgentConfig> parse(const std::string& text) {
  VS_TRY_ASSIGN(auto toml, platform::TomlConfig::parse(text, "agent.toml"));
  return AgentConfig::from_toml(toml);
}

TEST(AgentConfig, TheShippedExampleParsesToTheDefaults) {
  auto toml = platform::TomlConfig::load(VS_SOURCE_DIR "/agent/agent.example.toml");
  ASSERT_TRUE(toml.ok()) << toml.error().message();
  auto config = AgentConfig::from_toml(*toml);
  ASSERT_TRUE(config.ok()) << config.error().message();
  AgentConfig defaults;
  EXPECT_EQ(config->board, defaults.board);
  EXPECT_EQ(config->seal_max_entries, defaults.seal_max_entries);
  EXPECT_EQ(config->seal_max_age, defaults.seal_max_age);
  EXPECT_EQ(config->store_max_bytes, defaults.store_max_bytes);
  EXPECT_EQ(config->group_commit, defaults.group_commit);
  EXPECT_EQ(config->in_flight_window, defaults.in_flight_window);
  EXPECT_EQ(config->broker, defaults.broker);
}

TEST(AgentConfig, ValuesAreRead) {
  auto config = parse(
      "board = \"sim\"\n[store]\ndurability = \"group\"\nmax_mb = 16\n[seal]\nmax_entries = 8\n"
      "[signing]\nunsigned_kinds = [\"ecg\", \"ppg\"]\n[mqtt]\nbroker = "
      "\"tcp://127.0.0.1:1883\"\n");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_TRUE(config->group_commit);
  EXPECT_EQ(config->store_max_bytes, 16u << 20);
  EXPECT_EQ(config->seal_max_entries, 8u);
  EXPECT_EQ(config->unsigned_kinds.size(), 2u);
  EXPECT_EQ(config->broker, "tcp://127.0.0.1:1883");
}

// Several brokers: the agent fails over from one to the next.
TEST(AgentConfig, ABrokerListIsRead) {
  auto config =
      parse("[mqtt]\nbroker = [\"tcp://b1:1883\", \"tcp://b2:1883\", \"tcp://b3:1883\"]\n");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->broker, "tcp://b1:1883");
  EXPECT_EQ(config->more_brokers, (std::vector<std::string>{"tcp://b2:1883", "tcp://b3:1883"}));
}

TEST(AgentConfig, EveryBadValueIsNamed) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"[seal]\nmax_entrys = 5\n",
       "agent.toml:2: seal.max_entrys: unknown key (a typo?) [invalid argument]"},
      {"[seal]\nmax_entries = 0\n",
       "agent.toml:2: seal.max_entries = 0: must be 1 to 4096 entries per block [invalid "
       "argument]"},
      {"[seal]\nmax_entries = \"ten\"\n",
       "agent.toml:2: seal.max_entries: expected an integer [invalid argument]"},
      {"[store]\ndurability = \"sometimes\"\n",
       "agent.toml:2: store.durability = \"sometimes\": must be \"every_commit\" or \"group\" "
       "[invalid argument]"},
      {"[mqtt]\nbroker = \"http://x\"\n",
       "agent.toml:2: mqtt.broker = \"http://x\": must start with tcp:// or ssl:// [invalid "
       "argument]"},
      {"[mqtt]\nbroker = [\"tcp://a:1883\", \"mqtt://b\"]\n",
       "agent.toml:2: mqtt.broker = \"mqtt://b\": must start with tcp:// or ssl:// [invalid "
       "argument]"},
      {"[mqtt]\nbroker = \"ssl://x:8883\"\n",
       "agent.toml: mqtt.ca_file = (absent): is needed with an ssl:// broker [invalid argument]"},
      {"[signing]\nunsigned_kinds = [\"pulse\"]\n",
       "agent.toml:2: signing.unsigned_kinds = \"pulse\": is not a vital kind (heart_rate, spo2, "
       "bp_systolic, "
       "bp_diastolic, body_temperature, respiratory_rate, ecg, ppg) [invalid argument]"},
      {"board = \"\"\n", "agent.toml:1: board = \"\": must name a board [invalid argument]"},
      {"[gateway]\npublic_key = \"g.pub.pem\"\ntrusted_keys = \"keys\"\n",
       "agent.toml:3: gateway.trusted_keys = \"keys\": give gateway.public_key or "
       "gateway.trusted_keys, not both [invalid argument]"},
  };
  for (const Case& c : cases) {
    auto config = parse(c.text);
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_EQ(config.error().message(), c.message);
  }
}

TEST(AgentConfig, TheBoardsOwnTableIsLeftToTheBoard) {
  EXPECT_TRUE(parse("board = \"serial\"\n[serial]\ndevice = \"/dev/ttyUSB0\"\n").ok());
  EXPECT_FALSE(parse("board = \"serial\"\n[sim]\nseed = 1\n").ok());
}

}  // namespace
}  // namespace vs::agent
