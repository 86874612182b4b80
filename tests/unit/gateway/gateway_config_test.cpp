#include "vs/gateway/gateway_config.h"

#include <gtest/gtest.h>

namespace vs::gateway {
namespace {

Result<GatewayConfig> parse(const std::string& text) {
  VS_TRY_ASSIGN(auto toml, platform::TomlConfig::parse(text, "gateway.toml"));
  return GatewayConfig::from_toml(toml);
}

TEST(GatewayConfig, TheShippedExampleParsesToTheDefaults) {
  auto toml = platform::TomlConfig::load(VS_SOURCE_DIR "/gateway/gateway.example.toml");
  ASSERT_TRUE(toml.ok()) << toml.error().message();
  auto config = GatewayConfig::from_toml(*toml);
  ASSERT_TRUE(config.ok()) << config.error().message();
  GatewayConfig defaults;
  EXPECT_EQ(config->data_dir, defaults.data_dir);
  EXPECT_EQ(config->store_max_bytes, defaults.store_max_bytes);
  EXPECT_EQ(config->broker, defaults.broker);
  EXPECT_EQ(config->options.topic_prefix, defaults.options.topic_prefix);
  EXPECT_EQ(config->options.batch_max_blocks, defaults.options.batch_max_blocks);
  EXPECT_EQ(config->options.batch_max_age, defaults.options.batch_max_age);
  EXPECT_EQ(config->options.resend_interval, defaults.options.resend_interval);
  EXPECT_EQ(config->options.anchor_retry, defaults.options.anchor_retry);
  EXPECT_EQ(config->ledger_kind, defaults.ledger_kind);
  EXPECT_EQ(config->metrics_listen, defaults.metrics_listen);
}

TEST(GatewayConfig, ValuesAreRead) {
  auto config = parse(
      "[batch]\nmax_blocks = 10\nmax_age_ms = 250\n[mqtt]\n"
      "topic_prefix = \"site/a\"\n[metrics]\nlisten = \"\"\n");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->options.batch_max_blocks, 10u);
  EXPECT_EQ(config->options.batch_max_age, std::chrono::milliseconds(250));
  EXPECT_EQ(config->options.topic_prefix, "site/a");
  EXPECT_TRUE(config->metrics_listen.empty());
  EXPECT_EQ(config->store_backend, "lmdb");
  EXPECT_TRUE(config->options.shared_group.empty());
}

// A cluster member: the shared state, every broker, one shared
// subscription per broker, its own name and lease.
TEST(GatewayConfig, AClusterMemberIsRead) {
  auto config = parse(
      "[store]\nbackend = \"postgres\"\npostgres = \"host=db1 dbname=vs\"\n"
      "postgres_schema = \"site_a\"\n[cluster]\nname = \"gw-2\"\nlease_ms = 6000\n"
      "[mqtt]\nbroker = [\"tcp://b1:1883\", \"tcp://b2:1883\"]\n");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->store_backend, "postgres");
  EXPECT_EQ(config->postgres_connection, "host=db1 dbname=vs");
  EXPECT_EQ(config->postgres_schema, "site_a");
  EXPECT_EQ(config->cluster_name, "gw-2");
  EXPECT_EQ(config->anchor_lease, std::chrono::milliseconds(6000));
  EXPECT_EQ(config->broker, "tcp://b1:1883");
  EXPECT_EQ(config->more_brokers, std::vector<std::string>{"tcp://b2:1883"});
  EXPECT_EQ(config->options.shared_group, "vitalsign");  // each broker's blocks shared
}

TEST(GatewayConfig, AnEvmLedgerIsRead) {
  auto config = parse(
      "[ledger]\nkind = \"evm\"\n[ledger.evm]\nurl = \"http://127.0.0.1:8545\"\n"
      "mode = \"raw\"\nkey_file = \"/etc/vitalsign/anchor.key\"\nchain_id = 31337\n"
      "confirmations = 3\nto = \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"\n");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->ledger_kind, "evm");
  EXPECT_EQ(config->evm.mode, EvmLedgerOptions::Mode::kRaw);
  EXPECT_EQ(config->evm.chain_id, 31337u);
  EXPECT_EQ(config->evm.confirmations, 3u);
  EXPECT_EQ(platform::to_string(config->evm.to), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  EXPECT_EQ(config->evm_key_file, "/etc/vitalsign/anchor.key");
}

TEST(GatewayConfig, ErrorsNameTheLineTheKeyTheValueAndTheReason) {
  struct Case {
    const char* text;
    const char* expected;
  };
  for (const Case& c : {
           Case{"[batch]\nmax_blocks = 0\n",
                "gateway.toml:2: batch.max_blocks = 0: must be 1 to 1000000 blocks"},
           Case{"[ledger]\nkind = \"bitcoin\"\n", "ledger.kind = \"bitcoin\": must be"},
           Case{"[mqtt]\nbroker = \"http://x\"\n", "must start with tcp:// or ssl://"},
           Case{"[mqtt]\nbroker = \"ssl://x:8883\"\n", "mqtt.ca_file = (absent)"},
           Case{"[mqtt]\nshared_group = \"a/b\"\n", "must not contain /, # or +"},
           Case{"[mqtt]\nshared_group = \"g1\"\n",
                "shared_group = \"g1\": splits each device's blocks between gateways"},
           Case{"[mqtt]\nbroker = [\"tcp://a:1\", \"ssl://b:2\"]\n", "all tcp:// or all ssl://"},
           Case{"[mqtt]\nbroker = []\n", "must name at least one broker"},
           Case{"[store]\nbackend = \"postgres\"\n", "store.postgres = (absent)"},
           Case{"[store]\nbackend = \"sqlite\"\n", "store.backend = \"sqlite\": must be"},
           Case{"[store]\npostgres_schema = \"Bad-Name\"\n", "lowercase letters, digits"},
           Case{"[batch]\nmax_blockz = 3\n", "gateway.toml:2: batch.max_blockz"},
           Case{"[batch]\nmax_age_ms = \"soon\"\n", "batch.max_age_ms"},
           Case{"[ledger]\nkind = \"evm\"\n", "ledger.evm.url = \"\": an evm ledger needs"},
           Case{"[ledger]\nkind = \"evm\"\n[ledger.evm]\nurl = \"http://x:8545\"\n",
                "ledger.evm.from = (absent): mode \"node\" needs"},
           Case{"[ledger]\nkind = \"evm\"\n[ledger.evm]\nurl = \"http://x:8545\"\nmode = \"raw\"\n",
                "ledger.evm.key_file = (absent)"},
           Case{"[ledger.evm]\nfrom = \"0x12\"\n", "ledger.evm.from = \"0x12\": must be 0x and 40"},
           Case{"[ledger.evm]\nconfirmations = 0\n", "ledger.evm.confirmations = 0"},
       }) {
    auto config = parse(c.text);
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.error().message().find(c.expected), std::string::npos)
        << c.text << " -> " << config.error().message();
  }
}

}  // namespace
}  // namespace vs::gateway
