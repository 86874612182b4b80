#include "vs/gateway/status_report.h"
#include "vs/chain/opened_block.h"

#include <algorithm>
#include <limits>
#include <map>

#include "vs/gateway/batch_anchorer.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

// When a stored block was sealed; 0 when it does not decode (the audit
// verbs say why, a status line does not).
std::uint64_t sealed_ms(const platform::Sha256& sha, ByteView block_bytes) {
  auto opened = chain::OpenedBlock::open(sha, block_bytes);
  return opened ? opened->header.sealed_time_ms : 0;
}

}  // namespace

Result<StatusReport> StatusReport::gather(const GatewayState& state, const platform::Sha256& sha,
                                          std::size_t anchors) {
  VS_TRY_ASSIGN(auto view, state.snapshot());
  StatusReport report;
  VS_TRY_ASSIGN(report.queued, view->queue_size());
  VS_TRY_ASSIGN(report.batches_awaiting_finality, view->open_batch_count());
  VS_TRY_ASSIGN(auto open_batches, view->open_batches(64));
  for (const OpenBatch& batch : open_batches) report.open_batch_ids.push_back(batch.batch_id);
  VS_TRY_ASSIGN(report.next_batch_id, view->next_batch_id());
  VS_TRY_ASSIGN(report.recent_anchors, BatchAnchorer::recent_anchors(*view, anchors));
  VS_TRY_ASSIGN(report.gateways, view->members());
  VS_TRY_ASSIGN(report.anchor_lease, view->anchor_lease());
  VS_TRY_ASSIGN(auto queue, view->queue(static_cast<std::size_t>(std::min<std::uint64_t>(
                                report.queued, std::numeric_limits<std::size_t>::max()))));
  std::map<chain::DeviceId, std::uint64_t> queued_by_device;
  for (const QueuedBlock& queued : queue) ++queued_by_device[queued.item.device];

  VS_TRY_ASSIGN(auto devices, view->devices());
  for (auto& [device, record] : devices) {
    auto queued = queued_by_device.find(device);
    VS_TRY_ASSIGN(Device row, gather_device(*view, sha, device, std::move(record),
                                            queued == queued_by_device.end() ? 0 : queued->second));
    report.devices.push_back(std::move(row));
  }
  return report;
}

Result<StatusReport::Device> StatusReport::gather_device(const GatewayStateReader& view,
                                                         const platform::Sha256& sha,
                                                         const chain::DeviceId& device,
                                                         DeviceRecord record,
                                                         std::uint64_t queued) {
  Device row;
  row.device = device;
  row.record = std::move(record);
  row.queued = queued;
  VS_TRY_ASSIGN(auto tip, view.tip(device));
  if (tip) {
    row.tip_height = tip->height;
    VS_TRY_ASSIGN(auto block, view.block(device, tip->height));
    if (block) row.last_sealed_ms = sealed_ms(sha, *block);
  }
  VS_TRY_ASSIGN(row.held, view.held_count(device));
  VS_TRY_ASSIGN(auto certificate, view.certificate(device));
  row.has_certificate = certificate.has_value();
  return row;
}

}  // namespace vs::gateway
