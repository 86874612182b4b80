#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vs/gateway/gateway_state.h"
#include "vs/gateway/status_report.h"
#include "vs/platform/metrics_endpoint.h"
#include "vs/platform/sha256.h"

namespace vs::gateway {

// The operator's status page, served by the gateway on its metrics port:
// "/" the fleet (devices by state, the queue and the last anchors, the
// cluster's gateways, the devices that need a look) and "/device?id=HEX"
// one device (tip, held blocks, last receipt, its recent blocks). Plain
// HTML and CSS from the binary: no script, no outside asset, readable in a
// text browser. Numbers the tests read carry ids ("count-healthy",
// "queued-blocks", ...). Each request reads one snapshot of the state; the
// fleet page reads every device's record and tip (a second or so at 100,000
// devices), so it is for people, not for scraping.
class StatusPage {
 public:
  // As the VitalsignDeviceSilent alert: no block for 15 minutes.
  static constexpr std::uint64_t kSilentAfterMs = 15 * 60 * 1000;
  // Device rows on the fleet page: those that need a look first.
  static constexpr std::size_t kMaxDeviceRows = 200;
  static constexpr std::size_t kRecentBlocks = 10;

  enum class DeviceState { kHealthy, kGap, kEquivocated, kRevoked, kSilent };
  static const char* state_name(DeviceState state);
  // The first that applies: revoked, equivocated, gap (blocks held past a
  // missing height), silent (no block sealed within kSilentAfterMs, or none
  // yet), healthy.
  static DeviceState state_of(const StatusReport::Device& device, std::uint64_t now_ms);

  StatusPage(const GatewayState& state, const platform::Sha256& sha, std::string gateway_name)
      : state_(state), sha_(sha), gateway_name_(std::move(gateway_name)) {}

  platform::MetricsEndpoint::Page fleet(std::uint64_t now_ms) const;
  // `query` as it came: "id=<32 hex digits>".
  platform::MetricsEndpoint::Page device(std::string_view query, std::uint64_t now_ms) const;

  // The fleet page from a report already gathered (pure: for the tests).
  static std::string render_fleet(const StatusReport& report, std::string_view gateway_name,
                                  std::uint64_t now_ms);

 private:
  const GatewayState& state_;
  const platform::Sha256& sha_;
  std::string gateway_name_;
};

}  // namespace vs::gateway
