#include "vs/gateway/gateway.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <iterator>

#include "vs/gateway/access_log.h"
#include "vs/platform/log.h"
#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

namespace vs::gateway {
namespace {

using platform::log;
using platform::LogLevel;

std::string height_text(std::uint64_t height) {
  return "height " + std::to_string(height);
}

}  // namespace

Gateway::Gateway(const GatewayOptions& options, BlockIngest& ingest, BatchAnchorer& anchorer,
                 Ledger& ledger, chain::ReceiptSigner& signer, platform::Random& random,
                 platform::Transport* transport, const platform::Clock& clock)
    : options_(options),
      ingest_(ingest),
      anchorer_(anchorer),
      ledger_(ledger),
      signer_(signer),
      random_(random),
      transport_(transport),
      clock_(clock),
      duplicate_answers_(options.duplicate_answer_interval, options.duplicate_answers_per_second,
                         options.duplicate_answer_burst) {
  // Blocks accepted before a restart and not yet anchored wait no longer
  // than a fresh batch would.
  auto queued = anchorer_.queued();
  if (queued && *queued > 0) {
    oldest_queued_at_ = clock_.steady();
    counters_.queued_blocks = *queued;
  }
  for (std::size_t i = 0; i < options_.verify_threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(ingest_));
    Worker& worker = *workers_.back();
    worker.thread = std::thread([this, &worker] { work(worker); });
  }
}

Gateway::~Gateway() {
  stop_workers();
}

void Gateway::stop_workers() {
  stopping_ = true;
  for (auto& worker : workers_) {
    worker->ready.notify_one();
    if (worker->thread.joinable()) worker->thread.join();
  }
}

void Gateway::work(Worker& worker) {
  for (;;) {
    std::vector<platform::TransportMessage> messages;
    {
      std::unique_lock lock(worker.mutex);
      worker.ready.wait(lock, [&] { return stopping_ || !worker.queue.empty(); });
      if (worker.queue.empty()) return;  // stopping, and all handled
      messages.swap(worker.queue);
    }
    handle(messages, worker.ingest);
  }
}

Status Gateway::start(const platform::TransportOptions& transport_options) {
  if (transport_ == nullptr) return {};
  VS_TRY(transport_->start(
      transport_options,
      [this](platform::TransportMessage message) { deliver(std::move(message)); },
      [](bool connected) {
        log(connected ? LogLevel::kInfo : LogLevel::kWarning,
            connected ? "broker connected" : "broker connection lost; reconnecting");
      }));
  // Blocks, and blocks asked for again that come with their receipt.
  for (const char* leaf : {"blocks", "resent"}) {
    std::string filter = options_.topic_prefix + "/+/" + leaf;
    if (!options_.shared_group.empty()) filter = "$share/" + options_.shared_group + "/" + filter;
    VS_TRY(transport_->subscribe(filter, 1));
  }
  return {};
}

std::pair<std::string_view, std::string_view> Gateway::topic_parts(std::string_view topic) const {
  // <prefix>/<device>/<leaf>; the broker only delivers what was subscribed.
  std::string_view rest = topic.substr(std::min(topic.size(), options_.topic_prefix.size() + 1));
  std::string_view device = rest.substr(0, rest.find('/'));
  return {device, rest.substr(std::min(rest.size(), device.size() + 1))};
}

void Gateway::deliver(platform::TransportMessage message) {
  if (!workers_.empty()) {
    // A device's blocks always go to the same thread, so they stay in order.
    std::string_view device = topic_parts(message.topic).first;
    Worker& worker = *workers_[std::hash<std::string_view>{}(device) % workers_.size()];
    {
      std::lock_guard lock(worker.mutex);
      worker.queue.push_back(std::move(message));
    }
    worker.ready.notify_one();
    return;
  }
  {
    std::lock_guard lock(inbound_mutex_);
    inbound_.push_back(std::move(message));
  }
  inbound_ready_.notify_one();
}

void Gateway::publish(const chain::DeviceId& device, std::string_view leaf, ByteView payload) {
  if (device == AccessLog::log_device()) return;  // an access record's receipt: no one listens
  if (transport_ == nullptr) return;
  std::string topic = options_.topic_prefix + "/" + device.hex() + "/" + std::string(leaf);
  // A receipt or request lost here is asked for again (a duplicate block
  // from the device's outbox, or the next resend round).
  Status sent = transport_->publish(topic, payload, 1, false, nullptr);
  if (!sent) log(LogLevel::kDebug, "not published to " + topic + ": " + sent.error().message());
}

void Gateway::ask_resend(const chain::DeviceId& device, std::uint64_t from, std::uint64_t to) {
  proto::ResendRequest request;
  request.version = proto::kControlVersion;
  request.device_id.assign(device.bytes().begin(), device.bytes().end());
  request.from_height = from;
  request.to_height = to;
  request.reason = "gap";
  // Signed, timed and unique: the device refuses a forged, stale or replayed one.
  request.time_ms = clock_.wall_ms();
  request.nonce.resize(proto::kResendNonceSize);
  random_.fill(request.nonce);
  auto encoded = signer_.sign_encoded(request);
  if (!encoded) {
    log(LogLevel::kError,
        "resend request for device " + device.hex() + " not signed: " + encoded.error().message());
    return;
  }
  publish(device, "resend", *encoded);
  std::lock_guard lock(counters_mutex_);
  ++counters_.resend_requests;
}

void Gateway::ask_for_gaps() {
  // One request per gap per interval, however many blocks arrive past it.
  struct Ask {
    chain::DeviceId device;
    std::uint64_t from;
    std::uint64_t to;
  };
  std::vector<Ask> asks;
  auto now = clock_.steady();
  {
    std::lock_guard state(state_mutex_);
    gap_opened_ = false;
    for (auto& [device, gap] : gaps_) {
      if (!gap.ask_now && now - gap.last_asked < options_.resend_interval) continue;
      gap.ask_now = false;
      gap.last_asked = now;
      asks.push_back({device, gap.from, gap.to});
    }
  }
  // Signing happens here, on the step() thread, outside the lock.
  for (const Ask& ask : asks) ask_resend(ask.device, ask.from, ask.to);
}

void Gateway::handle(std::span<const platform::TransportMessage> messages, BlockIngest& ingest) {
  // What arrived together is verified in one store transaction (a commit
  // per block would cost as much as the signature check).
  constexpr std::size_t kPerTransaction = 64;
  for (std::size_t first = 0; first < messages.size(); first += kPerTransaction) {
    auto chunk = messages.subspan(first, std::min(kPerTransaction, messages.size() - first));
    std::vector<BlockIngest::BlockMessage> blocks;
    blocks.reserve(chunk.size());
    std::vector<std::optional<proto::ResentBlock>> resent(chunk.size());
    std::vector<std::string> refused(chunk.size());
    std::vector<std::size_t> ingested;  // which of the chunk went to ingest
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      const platform::TransportMessage& message = chunk[i];
      auto [device_text, leaf] = topic_parts(message.topic);
      if (leaf == "resent") {
        auto decoded = proto::WireCodec::decode_resent_block(message.payload);
        if (!decoded) {
          refused[i] = decoded.error().message();  // refused here, with its reason
          continue;
        }
        resent[i] = std::move(decoded).value();
        blocks.push_back({device_text, resent[i]->block, resent[i]->receipt});
      } else {
        blocks.push_back({device_text, message.payload});
      }
      ingested.push_back(i);
    }
    auto results = ingest.ingest_all(blocks);
    {
      std::lock_guard lock(counters_mutex_);
      store_problem_ = results ? "" : results.error().message();
      if (!results) counters_.store_errors += chunk.size();
    }
    if (!results) {
      // The store failed, not the blocks: the devices' outboxes send them again.
      log(LogLevel::kError, "ingest: " + results.error().message());
      continue;
    }
    for (std::size_t i = 0, next = 0; i < chunk.size(); ++i) {
      if (next < ingested.size() && ingested[next] == i) {
        record(chunk[i], (*results)[next++]);
        continue;
      }
      IngestResult malformed;
      malformed.kind = IngestResult::Kind::kRejected;
      malformed.rejection = Rejection::kMalformed;
      malformed.detail = "resent block: " + refused[i];
      if (auto device = chain::DeviceId::from_hex(topic_parts(chunk[i].topic).first))
        malformed.device = *device;
      record(chunk[i], malformed);
    }
  }
}

void Gateway::record(const platform::TransportMessage& message, const IngestResult& result) {
  count(result, clock_.wall_ms());
  std::string who = "device " + result.device.hex() + " " + height_text(result.height);
  if (!result.receipt_refused.empty())
    rejections_log_.log(LogLevel::kWarning, "refused resent receipts",
                        "receipt sent back with " + who +
                            " not taken (the block is anchored again): " + result.receipt_refused,
                        clock_.steady());
  switch (result.kind) {
    case IngestResult::Kind::kAccepted:
      follow_accepted(result, who);
      if (result.kept_anchored > 0)
        log(LogLevel::kInfo, who + ": " + std::to_string(result.kept_anchored) +
                                 " blocks came back with their receipts (anchored before this "
                                 "store was restored): kept, not anchored again");
      break;
    case IngestResult::Kind::kDuplicate:
      answer_duplicate(result);
      break;
    case IngestResult::Kind::kHeld:
      note_gap(result, who);
      break;
    case IngestResult::Kind::kEquivocation:
      log(LogLevel::kError, "EQUIVOCATION by " + who + ": " + result.detail +
                                "; both blocks kept as evidence, device flagged");
      break;
    case IngestResult::Kind::kRejected:
      rejections_log_.log(
          LogLevel::kWarning, std::string("rejected blocks (") + to_string(result.rejection) + ")",
          std::string("rejected block on ") + message.topic + " (" + height_text(result.height) +
              "): " + to_string(result.rejection) + ": " + result.detail,
          clock_.steady());
      break;
  }
}

void Gateway::count(const IngestResult& result, std::uint64_t now_ms) {
  std::lock_guard lock(counters_mutex_);
  DeviceActivity* activity = nullptr;
  // Only enrolled devices get a row: unknown ids must not grow the metrics.
  if (result.kind != IngestResult::Kind::kRejected ||
      (result.rejection != Rejection::kTopicMismatch &&
       result.rejection != Rejection::kUnknownDevice)) {
    activity = &counters_.devices[result.device];
    activity->last_seen_ms = now_ms;
  }
  switch (result.kind) {
    case IngestResult::Kind::kAccepted:
      counters_.blocks_accepted += result.accepted.size();
      counters_.blocks_kept_anchored += result.kept_anchored;
      counters_.queued_blocks += result.accepted.size() - result.kept_anchored;
      activity->accepted += result.accepted.size();
      activity->tip_height = result.accepted.back().header.height;
      if (counters_.queued_blocks >= options_.batch_max_blocks) {
        batch_full_ = true;
        inbound_ready_.notify_one();
      }
      break;
    case IngestResult::Kind::kDuplicate:
      ++counters_.duplicates;
      break;
    case IngestResult::Kind::kHeld:
      ++counters_.held;
      break;
    case IngestResult::Kind::kEquivocation:
      ++counters_.equivocations;
      activity->equivocated = true;
      break;
    case IngestResult::Kind::kRejected:
      ++counters_.blocks_rejected[to_string(result.rejection)];
      if (activity != nullptr) ++activity->rejected;
      break;
  }
}

void Gateway::follow_accepted(const IngestResult& result, const std::string& who) {
  std::lock_guard state(state_mutex_);
  if (!oldest_queued_at_) oldest_queued_at_ = clock_.steady();
  auto gap = gaps_.find(result.device);
  if (gap != gaps_.end() && result.accepted.back().header.height >= gap->second.to)
    gaps_.erase(gap);
  log(LogLevel::kDebug,
      "accepted " + who + " (+" + std::to_string(result.accepted.size() - 1) + " released)");
}

void Gateway::answer_duplicate(const IngestResult& result) {
  bool answer = false;
  {
    std::lock_guard state(state_mutex_);
    answer = duplicate_answers_.allow(result.device, result.height, clock_.steady());
  }
  if (!answer) {
    std::lock_guard lock(counters_mutex_);
    ++counters_.duplicates_unanswered;
    return;
  }
  auto stored = anchorer_.receipt(result.device, result.height);
  if (!stored || !*stored) return;
  publish(result.device, "receipts", **stored);
  std::lock_guard lock(counters_mutex_);
  ++counters_.receipts_published;
}

void Gateway::note_gap(const IngestResult& result, const std::string& who) {
  auto [from, to] = *result.resend;
  std::lock_guard state(state_mutex_);
  auto [gap, opened] = gaps_.try_emplace(result.device);
  gap->second.from = from;
  gap->second.to = std::max(gap->second.to, to);
  if (!opened) return;
  log(LogLevel::kInfo, "gap before " + who + ": asking for heights " + std::to_string(from) + ".." +
                           std::to_string(to));
  gap->second.ask_now = true;
  gap_opened_ = true;
  inbound_ready_.notify_one();
}

Status Gateway::anchor_queued() {
  auto started = clock_.steady();
  auto issued = anchorer_.anchor(clock_.wall_ms(), options_.batch_max_blocks);
  double seconds = std::chrono::duration<double>(clock_.steady() - started).count();
  if (!issued) {
    // A lost race on a shared state is tried again at the next step; a
    // ledger's refusal after ledger.retry_ms.
    if (issued.error().code() != ErrorCode::kConflict) {
      retry_anchor_at_ = clock_.steady() + options_.anchor_retry;
      std::lock_guard lock(counters_mutex_);
      ++counters_.ledger_errors;
      ledger_problem_ = "anchor: " + issued.error().message();
    }
    return std::move(issued).error().about("anchor");
  }
  retry_anchor_at_.reset();
  {
    std::lock_guard lock(counters_mutex_);
    ledger_problem_.clear();
  }
  auto queued = anchorer_.queued();
  {
    std::lock_guard state(state_mutex_);
    if (queued && *queued > 0) {
      oldest_queued_at_ = clock_.steady();
    } else {
      oldest_queued_at_.reset();
    }
  }
  if (queued && *queued >= options_.batch_max_blocks) batch_full_ = true;
  for (const IssuedReceipt& receipt : *issued)
    publish(receipt.item.device, "receipts", receipt.receipt);
  if (!issued->empty()) {
    log(LogLevel::kInfo, "anchored batch of " + std::to_string(issued->size()) + " blocks in " +
                             std::to_string(static_cast<int>(seconds * 1000)) +
                             " ms; receipts sent");
  }
  std::lock_guard lock(counters_mutex_);
  counters_.receipts_published += issued->size();
  if (!issued->empty()) {
    ++counters_.batches_anchored;
    counters_.last_batch_size = issued->size();
    counters_.anchor_seconds_sum += seconds;
    counters_.last_anchor_gas_used = ledger_.last_cost();
    counters_.anchor_gas_used_total += ledger_.last_cost();
  }
  counters_.queued_blocks = queued ? *queued : counters_.queued_blocks;
  return {};
}

Status Gateway::confirm_anchored() {
  last_finality_check_ = clock_.steady();
  auto confirmed = anchorer_.confirm(clock_.wall_ms(), 64);
  {
    std::lock_guard lock(counters_mutex_);
    if (!confirmed) {
      ++counters_.ledger_errors;
      ledger_problem_ = "finality check: " + confirmed.error().message();
      return std::move(confirmed).error().about("finality check");
    }
    ledger_problem_.clear();
  }
  for (const IssuedReceipt& receipt : confirmed->final_receipts)
    publish(receipt.item.device, "receipts", receipt.receipt);
  if (confirmed->batches_lost > 0) {
    log(LogLevel::kWarning, std::to_string(confirmed->batches_lost) +
                                " anchored batches vanished from the chain (a reorg); their "
                                "blocks are queued to be anchored again");
    std::lock_guard state(state_mutex_);
    if (!oldest_queued_at_) oldest_queued_at_ = clock_.steady() - options_.batch_max_age;
  }
  std::lock_guard lock(counters_mutex_);
  counters_.batches_final += confirmed->batches_final;
  counters_.batches_reanchored += confirmed->batches_lost;
  counters_.receipts_published += confirmed->final_receipts.size();
  if (confirmed->batches_lost > 0) {
    auto queued = anchorer_.queued();
    if (queued) counters_.queued_blocks = *queued;
  }
  return {};
}

Status Gateway::step(std::chrono::milliseconds max_wait) {
  std::optional<std::chrono::steady_clock::time_point> oldest;
  {
    std::lock_guard state(state_mutex_);
    oldest = oldest_queued_at_;
  }
  std::vector<platform::TransportMessage> messages;
  {
    std::unique_lock lock(inbound_mutex_);
    auto wait = max_wait;
    if (oldest) {
      auto due = *oldest + options_.batch_max_age - clock_.steady();
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(due),
                        std::chrono::milliseconds(0), max_wait);
    }
    inbound_ready_.wait_for(lock, wait,
                            [this] { return !inbound_.empty() || batch_full_ || gap_opened_; });
    messages.swap(inbound_);
  }
  handle(messages, ingest_);
  auto now = clock_.steady();
  ask_for_gaps();
  if (!is_anchorer(now)) return {};
  if (ledger_.tracks_finality() && now - last_finality_check_ >= options_.finality_check)
    VS_TRY(confirm_anchored());
  bool may_retry = !retry_anchor_at_ || now >= *retry_anchor_at_;
  if (!anchor_due(now) || !may_retry) return {};
  batch_full_ = false;
  last_anchor_ = now;
  return anchor_queued();
}

bool Gateway::is_anchorer(std::chrono::steady_clock::time_point now) {
  if (lease_ == nullptr) return true;
  std::optional<std::uint64_t> cluster_queue;
  if (now >= next_beat_) {
    next_beat_ = now + lease_->beat_interval();
    auto held = lease_->beat();
    if (!held) log(LogLevel::kWarning, "cluster lease: " + held.error().message());
    if (auto queued = anchorer_.queued()) cluster_queue = *queued;
  }
  bool anchoring = lease_->holds();
  // Only the anchorer empties the queue: another gateway's full batch is
  // the anchorer's to take, not a reason for this one to wake.
  if (!anchoring) batch_full_ = false;
  std::lock_guard lock(counters_mutex_);
  if (cluster_queue) counters_.queued_blocks = *cluster_queue;  // the cluster's, not this one's
  if (anchoring != counters_.anchoring) {
    log(LogLevel::kInfo, anchoring ? "this gateway (" + lease_->name() + ") anchors now"
                                   : "another gateway anchors now");
  }
  counters_.anchoring = anchoring;
  return anchoring;
}

bool Gateway::anchor_due(std::chrono::steady_clock::time_point now) {
  if (batch_full_) return true;
  // In a cluster the queue holds what every gateway accepted: the anchorer
  // looks at it once per batch age.
  if (lease_ != nullptr) return now - last_anchor_ >= options_.batch_max_age;
  std::lock_guard state(state_mutex_);
  return oldest_queued_at_ && now - *oldest_queued_at_ >= options_.batch_max_age;
}

Status Gateway::shutdown(std::chrono::milliseconds drain) {
  Status anchored;
  // Handle what already arrived, then anchor it: fewer devices wait for a
  // restart. What the ledger does not take now stays queued in the store.
  stop_workers();  // they finish what they were given first
  (void)step(std::chrono::milliseconds(0));
  for (int round = 0; round < 64 && (lease_ == nullptr || lease_->holds()); ++round) {
    auto queued = anchorer_.queued();
    if (!queued || *queued == 0) break;
    anchored = anchor_queued();
    if (!anchored) break;
  }
  if (lease_ != nullptr) {  // another gateway takes over at its next beat, not a lease later
    Status released = lease_->release();
    if (!released) log(LogLevel::kWarning, "cluster lease: " + released.error().message());
  }
  if (transport_ != nullptr) transport_->stop(drain);
  return anchored;
}

GatewayReadiness Gateway::readiness() const {
  GatewayReadiness out;
  bool connected = transport_ != nullptr && transport_->connected();
  out.broker = {connected, connected ? "connected" : "not connected to the broker"};
  std::lock_guard lock(counters_mutex_);
  out.store = {store_problem_.empty(), store_problem_.empty() ? "writable" : store_problem_};
  out.ledger = {ledger_problem_.empty(), ledger_problem_.empty() ? "answering" : ledger_problem_};
  return out;
}

GatewayCounters Gateway::counters() const {
  std::lock_guard lock(counters_mutex_);
  return counters_;
}

std::string Gateway::metrics_text() const {
  GatewayCounters c = counters();
  std::string out;
  char line[256];
  auto metric = [&](const char* name, const char* type, const char* help) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    out += line;
  };
  auto sample = [&](const char* name, const std::string& labels, double number) {
    std::snprintf(line, sizeof line, "%s%s %.17g\n", name, labels.c_str(), number);
    return std::string(line);
  };
  auto value = [&](const char* name, const std::string& labels, double number) {
    out += sample(name, labels, number);
  };
  auto count = [&](const char* name, const char* type, const char* help, double number) {
    metric(name, type, help);
    value(name, "", number);
  };
  auto d = [](std::uint64_t n) { return static_cast<double>(n); };
  count("vitalsign_blocks_accepted_total", "counter", "Blocks verified and accepted.",
        d(c.blocks_accepted));
  metric("vitalsign_blocks_rejected_total", "counter", "Blocks rejected, by reason.");
  for (Rejection reason :
       {Rejection::kUnknownDevice, Rejection::kRevokedDevice, Rejection::kTopicMismatch,
        Rejection::kMalformed, Rejection::kBadSignature, Rejection::kBadContent,
        Rejection::kBadLink, Rejection::kStoreFull}) {
    std::string name = to_string(reason);
    value("vitalsign_blocks_rejected_total", "{reason=\"" + name + "\"}",
          d(c.blocks_rejected[name]));
  }
  count("vitalsign_blocks_duplicate_total", "counter", "Blocks seen before (answered again).",
        d(c.duplicates));
  count("vitalsign_blocks_held_total", "counter", "Blocks held past a gap.", d(c.held));
  count("vitalsign_equivocations_total", "counter", "Second blocks signed at a taken height.",
        d(c.equivocations));
  count("vitalsign_blocks_duplicate_unanswered_total", "counter",
        "Duplicate blocks not answered again (over the per-height or per-device bound).",
        d(c.duplicates_unanswered));
  count("vitalsign_blocks_kept_anchored_total", "counter",
        "Blocks sent again with this gateway's anchored receipt (after a restore), not anchored "
        "again.",
        d(c.blocks_kept_anchored));
  count("vitalsign_resend_requests_total", "counter", "Resend requests sent.",
        d(c.resend_requests));
  count("vitalsign_receipts_published_total", "counter", "Receipts sent to devices.",
        d(c.receipts_published));
  count("vitalsign_store_errors_total", "counter", "Gateway store failures.", d(c.store_errors));
  count("vitalsign_devices_seen", "gauge", "Devices heard since start.", d(c.devices.size()));
  // The fleet at a fixed number of series: how long each device has been
  // silent, as a histogram over devices.
  constexpr double kSilenceBuckets[] = {60, 300, 900, 3600, 21600, 86400};
  std::uint64_t silent_in[std::size(kSilenceBuckets)] = {};
  double silence_sum = 0;
  double now_s = static_cast<double>(clock_.wall_ms()) / 1000.0;
  for (const auto& [device, activity] : c.devices) {
    double silence = std::max(0.0, now_s - static_cast<double>(activity.last_seen_ms) / 1000.0);
    silence_sum += silence;
    for (std::size_t i = 0; i < std::size(kSilenceBuckets); ++i)
      if (silence <= kSilenceBuckets[i]) ++silent_in[i];
  }
  metric("vitalsign_device_silence_seconds", "histogram",
         "Devices by the time since their last block.");
  for (std::size_t i = 0; i < std::size(kSilenceBuckets); ++i) {
    std::snprintf(line, sizeof line, "{le=\"%g\"}", kSilenceBuckets[i]);
    value("vitalsign_device_silence_seconds_bucket", line, d(silent_in[i]));
  }
  value("vitalsign_device_silence_seconds_bucket", "{le=\"+Inf\"}", d(c.devices.size()));
  value("vitalsign_device_silence_seconds_sum", "", silence_sum);
  value("vitalsign_device_silence_seconds_count", "", d(c.devices.size()));
  // Per device only when asked (metrics.device_series), and bounded: two
  // series a device would make a large fleet's scrape and storage its own.
  std::size_t with_series = std::min(c.devices.size(), options_.device_series_limit);
  count("vitalsign_device_series_omitted", "gauge",
        "Devices without per-device series (over metrics.device_series).",
        d(c.devices.size() - with_series));
  if (with_series > 0) {
    // One pass over the devices; each metric's samples stay together.
    std::string tips, last_seen;
    auto listed = c.devices.begin();
    for (std::size_t i = 0; i < with_series; ++i, ++listed) {
      const auto& [device, activity] = *listed;
      std::string labels = "{device=\"" + device.hex() + "\"}";
      if (activity.tip_height)
        tips += sample("vitalsign_device_tip_height", labels, d(*activity.tip_height));
      last_seen += sample("vitalsign_device_last_seen_seconds", labels,
                          static_cast<double>(activity.last_seen_ms) / 1000.0);
    }
    metric("vitalsign_device_tip_height", "gauge", "Latest accepted height per device.");
    out += tips;
    metric("vitalsign_device_last_seen_seconds", "gauge",
           "Unix time of the last block per device.");
    out += last_seen;
  }
  count("vitalsign_anchorer", "gauge",
        "1 when this gateway anchors (always, alone; the lease holder, in a cluster).",
        c.anchoring ? 1 : 0);
  count("vitalsign_batch_queued_blocks", "gauge", "Accepted blocks waiting for an anchor.",
        d(c.queued_blocks));
  count("vitalsign_batch_size", "gauge", "Blocks in the last anchored batch.",
        d(c.last_batch_size));
  metric("vitalsign_anchor_latency_seconds", "summary", "Time the ledger took to anchor a batch.");
  value("vitalsign_anchor_latency_seconds_sum", "", c.anchor_seconds_sum);
  value("vitalsign_anchor_latency_seconds_count", "", d(c.batches_anchored));
  count("vitalsign_batches_final_total", "counter", "Anchors that reached their confirmations.",
        d(c.batches_final));
  count("vitalsign_batches_reanchored_total", "counter", "Anchors a reorg dropped, anchored again.",
        d(c.batches_reanchored));
  count("vitalsign_ledger_errors_total", "counter", "Anchors the ledger refused or missed.",
        d(c.ledger_errors));
  count("vitalsign_anchor_gas_used", "gauge", "Gas the last anchor used (evm ledger).",
        d(c.last_anchor_gas_used));
  count("vitalsign_anchor_gas_used_total", "counter", "Gas all anchors used (evm ledger).",
        d(c.anchor_gas_used_total));
  if (auto usage = ingest_.store_usage()) {
    count("vitalsign_store_used_bytes", "gauge", "Bytes the gateway's store holds.",
          d(usage->used_bytes));
    count("vitalsign_store_limit_bytes", "gauge",
          "store.max_mb, or less when the filesystem has less room (store_full within 1/8).",
          d(usage->limit_bytes));
    count("vitalsign_store_limited_by_filesystem", "gauge",
          "1 when the filesystem, not store.max_mb, sets the store's limit.",
          usage->filesystem_limited ? 1 : 0);
  }
  return out;
}

}  // namespace vs::gateway
