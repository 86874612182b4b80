#pragma once

#include <functional>
#include <memory>
#include <string>

#include "vs/gateway/gateway.h"
#include "vs/gateway/gateway_config.h"
#include "vs/platform/start_failure.h"

namespace vs::gateway {

using platform::StartFailure;

// vitalsign-gateway assembled from its config: the gateway key, the LMDB
// state, the ledger it names (the local log, or an Ethereum node over
// JSON-RPC with a node-held or gateway-held account), the broker transport,
// the metrics endpoint, and the checkpoint file the local ledger publishes
// after each anchored batch.
class GatewayDaemon {
 public:
  static std::unique_ptr<GatewayDaemon> open(const GatewayConfig& config, StartFailure& failure);
  ~GatewayDaemon();
  GatewayDaemon(const GatewayDaemon&) = delete;
  GatewayDaemon& operator=(const GatewayDaemon&) = delete;

  // Connects to the broker and starts the metrics endpoint.
  bool start(StartFailure& failure);
  // One line for the log: devices, store, ledger, broker, key, metrics.
  std::string describe() const;
  // Steps the gateway until `stop_requested` says so, publishing
  // checkpoints, reading a replaced trusted gateway keys file, and telling
  // systemd it lives.
  void run(const std::function<bool()>& stop_requested);
  // Anchors what is queued (within `drain`) and disconnects; false when
  // something was left queued (kept for the next start).
  bool shutdown(std::chrono::milliseconds drain);
  GatewayCounters counters() const;

 private:
  struct Parts;
  explicit GatewayDaemon(std::unique_ptr<Parts> parts);
  void publish_checkpoint();
  void reload_keys();

  std::unique_ptr<Parts> parts_;
};

}  // namespace vs::gateway
