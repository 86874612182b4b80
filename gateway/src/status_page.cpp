#include "vs/gateway/status_page.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>

#include "vs/chain/opened_block.h"
#include "vs/platform/clock.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

using Page = platform::MetricsEndpoint::Page;

constexpr std::string_view kHtml = "text/html; charset=utf-8";

// Small, no outside asset, legible without CSS too.
constexpr std::string_view kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;color:#1b1f23}
h1{font-size:1.4em;margin:0}h2{font-size:1.1em;margin:1.6em 0 .4em;border-bottom:1px solid #d0d7de}
p.meta{color:#57606a;margin:.2em 0 1em}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid #eaeef2}
th{background:#f6f8fa;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.95em}
.cards{display:flex;flex-wrap:wrap;gap:.6em}.card{border:1px solid #d0d7de;border-radius:6px;padding:.5em .9em;min-width:7em}
.card b{display:block;font-size:1.6em}
.healthy{color:#1a7f37}.gap,.silent{color:#9a6700}.equivocated,.revoked{color:#cf222e}
form{margin:.6em 0}input{font:inherit;width:26em}
)";

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string utc(std::uint64_t time_ms) {
  return time_ms == 0 ? "-" : platform::utc_text(time_ms);
}

std::string ago(std::uint64_t then_ms, std::uint64_t now_ms) {
  if (then_ms == 0) return "never";
  std::uint64_t seconds = now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
  if (seconds < 120) return std::to_string(seconds) + " s ago";
  if (seconds < 7200) return std::to_string(seconds / 60) + " min ago";
  if (seconds < 172800) return std::to_string(seconds / 3600) + " h ago";
  return std::to_string(seconds / 86400) + " days ago";
}

std::string cell(std::string_view text, bool numeric = false) {
  return std::string(numeric ? "<td class=\"n\">" : "<td>") + std::string(text) + "</td>";
}

std::string head(std::string_view title, std::string_view gateway_name, std::uint64_t now_ms) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
         escape(title) + "</title><style>" + std::string(kStyle) + "</style></head><body>\n<h1>" +
         escape(title) + "</h1><p class=\"meta\">gateway <b>" + escape(gateway_name) +
         "</b> &middot; read at <span id=\"generated\">" + utc(now_ms) +
         "</span> &middot; <a href=\"/\">fleet</a> &middot; <a href=\"/metrics\">metrics</a>"
         " &middot; <a href=\"/readyz\">readiness</a></p>\n";
}

Page error_page(int status, std::string_view what) {
  return {status, "text/plain; charset=utf-8", std::string(what) + "\n"};
}

}  // namespace

const char* StatusPage::state_name(DeviceState state) {
  switch (state) {
    case DeviceState::kHealthy:
      return "healthy";
    case DeviceState::kGap:
      return "gap";
    case DeviceState::kEquivocated:
      return "equivocated";
    case DeviceState::kRevoked:
      return "revoked";
    case DeviceState::kSilent:
      return "silent";
  }
  return "unknown";
}

StatusPage::DeviceState StatusPage::state_of(const StatusReport::Device& device,
                                             std::uint64_t now_ms) {
  if (device.record.revoked) return DeviceState::kRevoked;
  if (device.record.equivocated) return DeviceState::kEquivocated;
  if (device.held > 0) return DeviceState::kGap;
  if (device.last_sealed_ms == 0 || device.last_sealed_ms + kSilentAfterMs < now_ms)
    return DeviceState::kSilent;
  return DeviceState::kHealthy;
}

std::string StatusPage::render_fleet(const StatusReport& report, std::string_view gateway_name,
                                     std::uint64_t now_ms) {
  constexpr std::array kStates{DeviceState::kHealthy, DeviceState::kGap, DeviceState::kEquivocated,
                               DeviceState::kRevoked, DeviceState::kSilent};
  std::map<DeviceState, std::uint64_t> counts;
  std::vector<std::pair<DeviceState, const StatusReport::Device*>> rows;
  for (const auto& device : report.devices) {
    DeviceState state = state_of(device, now_ms);
    ++counts[state];
    rows.emplace_back(state, &device);
  }
  // Those that need a look first (in the order of kStates, reversed), then by id.
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return (a.first == DeviceState::kHealthy) < (b.first == DeviceState::kHealthy);
  });

  std::string html = head("vitalsign fleet", gateway_name, now_ms);
  html += "<h2>Devices</h2><div class=\"cards\"><div class=\"card\">total<b id=\"count-total\">" +
          std::to_string(report.devices.size()) + "</b></div>";
  for (DeviceState state : kStates) {
    std::string name = state_name(state);
    html += "<div class=\"card " + name + "\">" + name + "<b id=\"count-" + name + "\">" +
            std::to_string(counts[state]) + "</b></div>";
  }
  html +=
      "</div>\n<form action=\"/device\" method=\"get\"><label>Device id <input name=\"id\" "
      "placeholder=\"32 hex digits\" pattern=\"[0-9a-f]{32}\"></label> <button>Show</button></form>"
      "\n";

  html +=
      "<h2>Queue and anchoring</h2><div class=\"cards\">"
      "<div class=\"card\">blocks waiting for a batch<b id=\"queued-blocks\">" +
      std::to_string(report.queued) +
      "</b></div><div class=\"card\">batches awaiting finality<b id=\"awaiting-finality\">" +
      std::to_string(report.batches_awaiting_finality) +
      "</b></div><div class=\"card\">batches anchored<b id=\"batches-anchored\">" +
      std::to_string(report.next_batch_id > 0 ? report.next_batch_id - 1 : 0) +
      "</b></div></div>\n";
  if (report.recent_anchors.empty()) {
    html += "<p>No batch anchored yet.</p>\n";
  } else {
    html +=
        "<table id=\"anchors\"><tr><th class=\"n\">batch</th><th>anchored</th><th "
        "class=\"n\">blocks</th><th>ledger</th><th>transaction</th><th class=\"n\">ledger "
        "height</th><th class=\"n\">cost</th><th>finality</th></tr>\n";
    for (const AnchorRecord& anchor : report.recent_anchors) {
      bool open = std::find(report.open_batch_ids.begin(), report.open_batch_ids.end(),
                            anchor.batch_id) != report.open_batch_ids.end();
      std::string transaction = to_hex(anchor.ledger.transaction_id);
      html += "<tr class=\"anchor\" data-batch=\"" + std::to_string(anchor.batch_id) + "\">" +
              cell(std::to_string(anchor.batch_id), true) + cell(utc(anchor.time_ms)) +
              cell(std::to_string(anchor.blocks), true) +
              cell("<code>" + escape(anchor.ledger.chain_id) + "</code>") + "<td><code title=\"" +
              transaction + "\">" + transaction.substr(0, 16) + "&hellip;</code></td>" +
              cell(std::to_string(anchor.ledger.ledger_height), true) +
              cell(std::to_string(anchor.cost), true) + cell(open ? "awaiting" : "final") +
              "</tr>\n";
    }
    html += "</table>\n";
  }

  if (!report.gateways.empty()) {
    std::string anchorer = report.anchor_lease && report.anchor_lease->expires_ms > now_ms
                               ? report.anchor_lease->holder
                               : std::string();
    html += "<h2>Cluster</h2><p>" + std::to_string(report.gateways.size()) + " gateways; " +
            (anchorer.empty() ? std::string("none anchors now (the lease is free or ran out)")
                              : escape(anchorer) + " anchors, its lease runs until " +
                                    utc(report.anchor_lease->expires_ms)) +
            ".</p><table id=\"gateways\"><tr><th>gateway</th><th>last heartbeat</th><th>role</th>"
            "</tr>\n";
    for (const ClusterMember& member : report.gateways) {
      html += "<tr>" + cell(escape(member.name)) + cell(ago(member.heartbeat_ms, now_ms)) +
              cell(member.name == anchorer ? "anchorer" : "member") + "</tr>\n";
    }
    html += "</table>\n";
  }

  html +=
      "<h2>Device list</h2><table id=\"devices\"><tr><th>device</th><th>state</th><th "
      "class=\"n\">tip</th><th class=\"n\">queued</th><th class=\"n\">held</th><th>last "
      "block sealed</th></tr>\n";
  std::size_t shown = std::min(rows.size(), kMaxDeviceRows);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& [state, device] = rows[i];
    std::string hex = device->device.hex();
    html += "<tr class=\"device\" data-device=\"" + hex + "\"><td><a href=\"/device?id=" + hex +
            "\"><code>" + hex + "</code></a></td>" + "<td class=\"" + state_name(state) + "\">" +
            state_name(state) + "</td>" +
            cell(device->tip_height ? std::to_string(*device->tip_height) : "-", true) +
            cell(std::to_string(device->queued), true) + cell(std::to_string(device->held), true) +
            cell(ago(device->last_sealed_ms, now_ms)) + "</tr>\n";
  }
  html += "</table>\n";
  if (rows.size() > shown) {
    html += "<p>and " + std::to_string(rows.size() - shown) +
            " more healthy devices (look one up above, or <code>vitalsign devices</code>).</p>\n";
  }
  html += "</body></html>\n";
  return html;
}

Page StatusPage::fleet(std::uint64_t now_ms) const {
  auto report = StatusReport::gather(state_, sha_, 10);
  if (!report) return error_page(503, "status: " + report.error().message());
  return {200, std::string(kHtml), render_fleet(*report, gateway_name_, now_ms)};
}

Page StatusPage::device(std::string_view query, std::uint64_t now_ms) const {
  if (!query.starts_with("id=")) return error_page(400, "device: give ?id=<32 hex digits>");
  auto device = chain::DeviceId::from_hex(query.substr(3));
  if (!device) return error_page(400, "device: " + device.error().message());
  auto view = state_.snapshot();
  if (!view) return error_page(503, "device: " + view.error().message());
  auto record = (*view)->device(*device);
  if (!record) return error_page(503, "device: " + record.error().message());
  if (!*record) return error_page(404, "device: " + device->hex() + " is not enrolled here");

  auto queue_size = (*view)->queue_size();
  if (!queue_size) return error_page(503, "device: " + queue_size.error().message());
  auto queue = (*view)->queue(static_cast<std::size_t>(
      std::min<std::uint64_t>(*queue_size, std::numeric_limits<std::size_t>::max())));
  if (!queue) return error_page(503, "device: " + queue.error().message());
  std::uint64_t queued = 0;
  for (const QueuedBlock& block : *queue) {
    if (block.item.device == *device) ++queued;
  }
  auto gathered = StatusReport::gather_device(**view, sha_, *device, **record, queued);
  if (!gathered) return error_page(503, "device: " + gathered.error().message());
  const StatusReport::Device& row = *gathered;

  // The recent blocks, newest first, each with its receipt.
  struct BlockRow {
    std::uint64_t height = 0;
    std::optional<chain::OpenedBlock> block;
    std::optional<proto::ReceiptBody> receipt;
  };
  std::vector<BlockRow> blocks;
  if (row.tip_height) {
    std::uint64_t tip = *row.tip_height;
    std::uint64_t from = tip + 1 > kRecentBlocks ? tip + 1 - kRecentBlocks : 0;
    auto stored = (*view)->blocks(*device, from, kRecentBlocks);
    if (!stored) return error_page(503, "device: " + stored.error().message());
    for (auto it = stored->rbegin(); it != stored->rend(); ++it) {
      BlockRow block_row;
      block_row.height = it->first;
      if (auto opened = chain::OpenedBlock::open(sha_, it->second)) block_row.block = *opened;
      auto receipt = (*view)->receipt(*device, it->first);
      if (receipt && *receipt) {
        auto decoded = proto::WireCodec::decode_receipt(**receipt);
        if (decoded) {
          auto body = proto::WireCodec::decode_receipt_body(decoded->body);
          if (body) block_row.receipt = *body;
        }
      }
      blocks.push_back(std::move(block_row));
    }
  }
  DeviceState state = state_of(row, now_ms);
  const BlockRow* last_receipt = nullptr;
  for (const BlockRow& block_row : blocks) {
    if (block_row.receipt) {
      last_receipt = &block_row;
      break;
    }
  }

  std::string hex = device->hex();
  std::string html = head("vitalsign device " + hex, gateway_name_, now_ms);
  html += "<div class=\"cards\"><div class=\"card " + std::string(state_name(state)) +
          "\">state<b id=\"device-state\">" + state_name(state) +
          "</b></div><div class=\"card\">tip height<b id=\"device-tip\">" +
          (row.tip_height ? std::to_string(*row.tip_height) : "-") +
          "</b></div><div class=\"card\">waiting for a batch<b id=\"device-queued\">" +
          std::to_string(row.queued) +
          "</b></div><div class=\"card\">held past a gap<b id=\"device-held\">" +
          std::to_string(row.held) + "</b></div><div class=\"card\">last block sealed<b>" +
          ago(row.last_sealed_ms, now_ms) +
          "</b></div></div>\n<p>Keys: " + std::to_string(row.record.public_keys.size()) +
          (row.has_certificate ? "; a certificate is on file" : "; no certificate") +
          ". Last receipt: <span id=\"device-last-receipt\">" +
          (last_receipt ? "block " + std::to_string(last_receipt->height) + ", " +
                              proto::receipt_state_name(last_receipt->receipt->state) +
                              (last_receipt->receipt->batch_id > 0
                                   ? " in batch " + std::to_string(last_receipt->receipt->batch_id)
                                   : std::string())
                        : std::string("none")) +
          "</span>.</p>\n<h2>Recent blocks</h2>";
  if (blocks.empty()) {
    html += "<p>No block yet.</p>\n";
  } else {
    html +=
        "<table id=\"blocks\"><tr><th class=\"n\">height</th><th class=\"n\">seq</th><th "
        "class=\"n\">entries</th><th>sealed</th><th>reason</th><th>block hash</th><th>receipt</th>"
        "</tr>\n";
    for (const BlockRow& block_row : blocks) {
      html += "<tr class=\"block\" data-height=\"" + std::to_string(block_row.height) + "\">" +
              cell(std::to_string(block_row.height), true);
      if (block_row.block) {
        const auto& header = block_row.block->header;
        std::string hash = to_hex(block_row.block->hash);
        html += cell(std::to_string(header.first_seq) + "&ndash;" + std::to_string(header.last_seq),
                     true) +
                cell(std::to_string(header.entry_count), true) + cell(utc(header.sealed_time_ms)) +
                cell(proto::seal_reason_name(header.seal_reason)) + "<td><code title=\"" + hash +
                "\">" + hash.substr(0, 16) + "&hellip;</code></td>";
      } else {
        html += "<td colspan=\"5\">does not decode (run the audit)</td>";
      }
      html += cell(block_row.receipt
                       ? std::string(proto::receipt_state_name(block_row.receipt->state)) +
                             (block_row.receipt->batch_id > 0
                                  ? ", batch " + std::to_string(block_row.receipt->batch_id)
                                  : std::string())
                       : std::string("none")) +
              "</tr>\n";
    }
    html += "</table>\n";
  }
  html += "</body></html>\n";
  return {200, std::string(kHtml), html};
}

}  // namespace vs::gateway
