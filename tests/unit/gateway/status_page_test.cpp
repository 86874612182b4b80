#include "vs/gateway/status_page.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "test_device.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::gateway {
namespace {

constexpr std::uint64_t kNowMs = 1'800'000'000'000;

StatusReport::Device device_row(std::uint8_t id, std::uint64_t last_sealed_ms) {
  StatusReport::Device row;
  Bytes bytes(16, id);
  row.device = chain::DeviceId::from_hex(to_hex(bytes)).value();
  row.tip_height = last_sealed_ms > 0 ? std::optional<std::uint64_t>(7) : std::nullopt;
  row.last_sealed_ms = last_sealed_ms;
  return row;
}

TEST(StatusPage, ADeviceTakesTheFirstStateThatApplies) {
  using State = StatusPage::DeviceState;
  auto row = device_row(1, kNowMs - 1000);
  EXPECT_EQ(StatusPage::state_of(row, kNowMs), State::kHealthy);
  row.last_sealed_ms = kNowMs - StatusPage::kSilentAfterMs - 1;
  EXPECT_EQ(StatusPage::state_of(row, kNowMs), State::kSilent);
  row.held = 2;
  EXPECT_EQ(StatusPage::state_of(row, kNowMs), State::kGap);
  row.record.equivocated = true;
  EXPECT_EQ(StatusPage::state_of(row, kNowMs), State::kEquivocated);
  row.record.revoked = true;
  EXPECT_EQ(StatusPage::state_of(row, kNowMs), State::kRevoked);
  EXPECT_EQ(StatusPage::state_of(device_row(2, 0), kNowMs), State::kSilent);  // never sealed
}

TEST(StatusPage, TheFleetPageCountsListsAttentionFirstAndEscapesWhatItQuotes) {
  StatusReport report;
  for (std::uint8_t i = 0; i < StatusPage::kMaxDeviceRows + 5; ++i) {
    report.devices.push_back(device_row(i, kNowMs - 1000));
  }
  report.devices[150].held = 1;
  report.devices[180].record.revoked = true;
  AnchorRecord anchor;
  anchor.batch_id = 9;
  anchor.ledger.chain_id = "eip155:1<script>";
  report.recent_anchors.push_back(anchor);
  report.open_batch_ids = {9};
  report.next_batch_id = 10;
  report.gateways.push_back({"gw\"<b>", kNowMs - 2000});

  std::string html = StatusPage::render_fleet(report, "gw&1", kNowMs);
  EXPECT_NE(html.find("id=\"count-total\">205<"), std::string::npos);
  EXPECT_NE(html.find("id=\"count-healthy\">203<"), std::string::npos);
  EXPECT_NE(html.find("id=\"count-gap\">1<"), std::string::npos);
  EXPECT_NE(html.find("id=\"count-revoked\">1<"), std::string::npos);
  EXPECT_NE(html.find("id=\"batches-anchored\">9<"), std::string::npos);
  EXPECT_NE(html.find("awaiting"), std::string::npos);
  // The gap and the revoked device come before every healthy one.
  EXPECT_LT(html.find(report.devices[150].device.hex()), html.find(report.devices[0].device.hex()));
  EXPECT_LT(html.find(report.devices[180].device.hex()), html.find(report.devices[0].device.hex()));
  EXPECT_NE(html.find("and 5 more healthy devices"), std::string::npos);
  // Names from configs and ledgers are quoted, never markup.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("eip155:1&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("gw&quot;&lt;b&gt;"), std::string::npos);
  EXPECT_NE(html.find("gw&amp;1"), std::string::npos);
}

TEST(StatusPage, TheDevicePageRefusesWhatIsNotAnEnrolledDeviceId) {
  vs::testing::MemoryStore store{kGatewayTableNames.size()};
  auto state = make_key_value_gateway_state(store);
  platform::OpensslSha256 sha;
  platform::OpensslVerifierFactory verifiers;
  vs::testing::TestDevice enrolled;
  ASSERT_TRUE(DeviceRegistry(*state, sha, verifiers).enrol(enrolled.public_key()).ok());
  StatusPage page(*state, sha, "gw");

  EXPECT_EQ(page.device("", kNowMs).status, 400);
  EXPECT_EQ(page.device("id=xyz", kNowMs).status, 400);
  EXPECT_EQ(page.device("id=" + std::string(32, '0'), kNowMs).status, 404);
  auto shown = page.device("id=" + enrolled.id().hex(), kNowMs);
  EXPECT_EQ(shown.status, 200);
  EXPECT_NE(shown.body.find("id=\"device-state\">silent<"), std::string::npos);
  EXPECT_NE(shown.body.find("No block yet"), std::string::npos);
  auto fleet = page.fleet(kNowMs);
  EXPECT_EQ(fleet.status, 200);
  EXPECT_NE(fleet.body.find("id=\"count-silent\">1<"), std::string::npos);
}

}  // namespace
}  // namespace vs::gateway
