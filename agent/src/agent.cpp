#include "vs/agent/agent.h"
#include "vs/chain/opened_block.h"

#include <algorithm>
#include <string>
#include <thread>

#include "vs/platform/log.h"
#include "vs/proto/limits.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {
namespace {

using platform::log;
using platform::LogLevel;

std::int64_t steady_ms(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

Agent::Agent(const AgentConfig& config, DeviceChain& chain, platform::Store& store,
             agent::Sensor& sensor, platform::Transport* transport, const platform::Clock& clock,
             const platform::Sha256& sha, const chain::ReceiptVerifier* receipts)
    : config_(config),
      chain_(chain),
      store_(store),
      sensor_(sensor),
      transport_(transport),
      clock_(clock),
      receipts_(receipts),
      device_hex_(chain.device_id().hex()),
      outbox_(config.in_flight_window, config.resend_max_blocks, chain.retired_below(),
              clock.steady()),
      resend_guard_(config.resend_max_age, 4096),
      receipt_intake_(chain, receipts, sha),
      seal_policy_(config.seal_max_entries, config.seal_max_age, config.seal_on_alarm),
      last_status_(clock.steady()) {
  if (chain_.pending_entries() > 0) seal_policy_.recorded(0, clock_.steady());
  // Group durability: receipts join the next window's transaction.
  chain_.hold_receipts(config_.group_commit);
}

std::string Agent::topic(std::string_view leaf) const {
  return config_.topic_prefix + "/" + device_hex_ + "/" + std::string(leaf);
}

void Agent::push(Inbound event) {
  std::lock_guard lock(inbound_mutex_);
  inbound_.push_back(std::move(event));
}

Status Agent::start(const platform::TransportOptions& transport_options) {
  if (transport_ == nullptr) return {};
  platform::TransportOptions options = transport_options;
  proto::Status offline;
  offline.version = proto::kControlVersion;
  offline.online = false;
  VS_TRY_ASSIGN(Bytes will, proto::WireCodec::encode(offline));
  options.will = platform::TransportWill{topic("status"), will, true};
  VS_TRY(transport_->start(
      options,
      [this](platform::TransportMessage message) {
        push(Inbound{Inbound::Kind::kMessage, std::move(message), 0, {}, false});
      },
      [this](bool connected) {
        push(Inbound{Inbound::Kind::kConnection, {}, 0, {}, connected});
      }));
  VS_TRY(transport_->subscribe(topic("receipts"), 1));
  VS_TRY(transport_->subscribe(topic("resend"), 1));
  return {};
}

void Agent::watch_clock() {
  // Wall time minus steady time is constant unless the wall clock is set:
  // a jump of more than a second is recorded as an event, seq is unaffected.
  auto offset = static_cast<std::int64_t>(clock_.wall_ms()) - steady_ms(clock_.steady());
  if (wall_minus_steady_ms_ && std::llabs(offset - *wall_minus_steady_ms_) > 1000) {
    proto::Event event;
    event.kind = proto::EventKind::kClockAdjustment;
    event.delta_ms = offset - *wall_minus_steady_ms_;
    // Held with the readings, so that it keeps its place among them.
    hold(event, clock_.wall_ms(), config_.sign_entries);
    ++counters_.clock_adjustments;
    log(LogLevel::kWarning,
        "device clock moved by " + std::to_string(event.delta_ms) + " ms; recorded");
  }
  wall_minus_steady_ms_ = offset;
}

void Agent::hold(agent::SensorSample sample, std::uint64_t time_ms, bool sign) {
  auto now = clock_.steady();
  if (held_.empty()) held_since_ = now;
  // A block's age counts from its oldest entry's arrival, so that with a
  // window as long as the seal age one transaction carries a whole block.
  seal_policy_.recorded(chain_.pending_entries() + held_.size(), now);
  held_.push_back({std::move(sample), time_ms, sign});
}

void Agent::take(const std::vector<agent::SensorSample>& samples) {
  std::uint64_t now_ms = clock_.wall_ms();
  for (const agent::SensorSample& sample : samples) {
    if (const auto* event = std::get_if<proto::Event>(&sample);
        event != nullptr && event->kind == proto::EventKind::kKeyRotation) {
      rotate_key(event->text);
      continue;
    }
    bool sign = config_.sign_entries;
    if (const auto* reading = std::get_if<proto::Reading>(&sample)) {
      sign = sign && config_.unsigned_kinds.count(reading->kind) == 0;
    }
    hold(sample, now_ms, sign);
  }
  held_alarm_ = held_alarm_ || seal_policy_.alarm_in(samples);
}

void Agent::rotate_key(const std::string& key_name) {
  auto refuse = [&](const std::string& why) {
    ++counters_.key_rotations_refused;
    log(LogLevel::kError, "key rotation to '" + key_name + "' refused: " + why +
                              "; the chain keeps signing with its key");
  };
  if (!key_loader_) return refuse("this agent has no key store to load it from");
  auto next = key_loader_(key_name);
  if (!next) return refuse(next.error().message());
  // What came before the request is recorded with the old key first.
  if (Status committed = commit_held(); !committed) return refuse(committed.error().message());
  auto sealed = chain_.rotate_key(**next, key_name, clock_.wall_ms(), config_.seal_max_entries);
  if (!sealed) return refuse(sealed.error().message());
  rotated_key_ = std::move(next).value();
  ++counters_.key_rotations;
  for (const chain::SealedBlock& block : *sealed) this->sealed(block);
  seal_policy_.sealed(0, clock_.steady());
  log(LogLevel::kInfo, "key rotated to '" + key_name + "' (key index " +
                           std::to_string(chain_.key_index()) + "), announced in block " +
                           std::to_string(sealed->back().header.height) +
                           " signed by the previous key");
}

bool Agent::commit_due() const {
  auto now = clock_.steady();
  if (config_.group_commit) {
    // The seal age also closes a window. Held receipts ride with the open
    // window's readings; with none held, they wait a window at most.
    if (seal_policy_.age_due(now) || chain_.held_receipts() >= kMaxHeldReceipts) return true;
    if (held_.empty() && chain_.held_receipts() > 0 &&
        now - receipts_held_since_ >= config_.group_commit_window) {
      return true;
    }
  }
  if (held_.empty()) return false;
  return !config_.group_commit || held_alarm_ || held_.size() >= config_.seal_max_entries ||
         now - held_since_ >= config_.group_commit_window;
}

std::chrono::milliseconds Agent::sensor_wait(std::chrono::milliseconds max_wait) const {
  auto now = clock_.steady();
  auto wait = seal_policy_.wait(max_wait, now);
  auto until = [&](std::chrono::steady_clock::time_point since) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        since + config_.group_commit_window - now);
    return std::clamp(left, std::chrono::milliseconds(0), wait);
  };
  if (!held_.empty()) return until(held_since_);
  if (chain_.held_receipts() > 0) return until(receipts_held_since_);
  return wait;
}

Status Agent::commit_held() {
  if (held_.empty() && !config_.group_commit) return {};
  bool alarm = held_alarm_;
  std::vector<DeviceChain::NewEntry> items;
  items.swap(held_);
  held_alarm_ = false;
  bool age_seal = seal_policy_.age_due(clock_.steady());
  auto seal_due = [&](std::uint64_t pending) -> std::optional<proto::SealReason> {
    if (auto reason = seal_policy_.due_on_count(pending, alarm)) return reason;
    if (!age_seal || pending == 0) return std::nullopt;
    age_seal = false;
    return proto::SealReason::kTime;
  };
  if (config_.group_commit) {
    auto window = chain_.commit_window(items, clock_.wall_ms(), config_.seal_max_entries, seal_due);
    if (window) {
      if (!items.empty()) took(window->recorded);
      for (const chain::SealedBlock& block : window->sealed) sealed(block);
      if (chain_.pending_entries() == 0) seal_policy_.sealed(0, clock_.steady());
      return {};
    }
    // What stays held waits a window more, a seal a seal age: not every turn.
    receipts_held_since_ = clock_.steady();
    if (window.error().code() != ErrorCode::kNoSpace) {
      counters_.record_errors += items.size();
      log(LogLevel::kError, "window not committed: " + window.error().message());
      if (age_seal) seal_policy_.refused(clock_.steady());
      return {};
    }
    // The store is full: the parts one by one, receipts first (they make
    // room), then the readings (refused if there is none), then the blocks.
    if (auto receipts = chain_.commit_held_receipts(); !receipts) {
      log(LogLevel::kError, "receipts not committed: " + receipts.error().message());
    }
  }
  record(items);
  while (auto reason = seal_due(chain_.pending_entries())) {
    VS_TRY(seal_unless_full(*reason));
    if (storage_alarm_) break;
  }
  return {};
}

void Agent::record(std::span<const DeviceChain::NewEntry> items) {
  if (items.empty()) return;
  // What was held together is committed together (one transaction).
  auto recorded = chain_.record_all(items);
  if (!recorded) {
    if (recorded.error().code() == ErrorCode::kNoSpace) {
      refuse_readings(items.size(), recorded.error().message());
    } else {
      counters_.record_errors += items.size();
      log(LogLevel::kError, "readings not recorded: " + recorded.error().message());
    }
    // Their arrival started a seal age; with nothing pending it is over.
    if (chain_.pending_entries() == 0) seal_policy_.sealed(0, clock_.steady());
    return;
  }
  took(*recorded);
}

void Agent::took(const std::vector<RecordedEntry>& recorded) {
  if (storage_alarm_) {
    storage_alarm_ = false;
    log(LogLevel::kInfo, "storage available again; a gap event records the refused readings");
    publish_status(true);
  }
  counters_.readings_recorded += recorded.size();
  if (config_.live && transport_ != nullptr && connected_) {
    for (const RecordedEntry& entry : recorded) {
      auto live = proto::WireCodec::encode(proto::LiveReading{entry.bytes, entry.signature});
      if (live) (void)transport_->publish(topic("live"), *live, 0, false, nullptr);
    }
  }
}

Status Agent::seal(proto::SealReason reason) {
  auto block = chain_.seal(clock_.wall_ms(), reason, config_.seal_max_entries);
  if (!block) return std::move(block).error().about("seal");
  if (*block) sealed(**block);
  return {};
}

void Agent::sealed(const chain::SealedBlock& block) {
  ++counters_.blocks_sealed;
  const auto& header = block.header;
  log(LogLevel::kInfo, "sealed block " + std::to_string(header.height) + ": seq " +
                           std::to_string(header.first_seq) + ".." +
                           std::to_string(header.last_seq) + ", " +
                           std::to_string(block.encoded.size()) + " bytes, " +
                           proto::seal_reason_name(header.seal_reason));
  seal_policy_.sealed(chain_.pending_entries(), clock_.steady());
}

void Agent::refuse_readings(std::size_t count, const std::string& why) {
  counters_.readings_refused += count;
  if (storage_alarm_) return;
  storage_alarm_ = true;
  log(LogLevel::kError, "storage full: refusing readings (no unanchored block is dropped): " + why);
  publish_status(true);
}

Status Agent::seal_unless_full(proto::SealReason reason) {
  Status sealed = seal(reason);
  if (sealed || sealed.error().code() != ErrorCode::kNoSpace) return sealed;
  // Not fatal: the uplink below still runs, and receipts make room. Try
  // again a seal age later, not on every turn.
  refuse_readings(0, sealed.error().message());
  seal_policy_.refused(clock_.steady());
  return {};
}

Status Agent::step(std::chrono::milliseconds max_wait) {
  std::deque<Inbound> events;
  {
    std::lock_guard lock(inbound_mutex_);
    events.swap(inbound_);
  }
  for (Inbound& event : events) handle(std::move(event));

  auto samples = sensor_.read(sensor_wait(max_wait));
  if (!samples) return std::move(samples).error().about("sensor");
  if (!samples->empty()) {
    watch_clock();
    take(*samples);
  }
  if (commit_due()) VS_TRY(commit_held());
  if (seal_policy_.age_due(clock_.steady())) VS_TRY(seal_unless_full(proto::SealReason::kTime));
  chase_receipts();
  pump_uplink();
  if (clock_.steady() - last_status_ >= config_.status_interval) publish_status(true);
  return {};
}

void Agent::chase_receipts() {
  std::uint64_t oldest = chain_.retired_below();
  bool chased = outbox_.chase(oldest, tip_height(), connected_, clock_.steady(),
                              config_.receipt_timeout, [this](std::uint64_t height) {
                                auto anchored = chain_.has_anchored_receipt(height);
                                return !anchored || *anchored;  // unreadable: not chased
                              });
  if (!chased) return;
  ++counters_.receipt_timeouts;
  log(LogLevel::kWarning, "no receipt for block " + std::to_string(oldest) + " after " +
                              std::to_string(config_.receipt_timeout.count()) +
                              " ms; publishing it again");
}

std::optional<std::uint64_t> Agent::tip_height() const {
  return chain_.tip() ? std::optional<std::uint64_t>(chain_.tip()->height) : std::nullopt;
}

void Agent::handle(Inbound event) {
  switch (event.kind) {
    case Inbound::Kind::kConnection:
      connected_ = event.connected;
      if (connected_) {
        // Resume from the oldest block without a verified anchor: the store
        // is the outbox, whatever happened while we were away.
        outbox_.restart(std::max(chain_.retired_below(), chain_.pruned_below()));
        log(LogLevel::kInfo,
            "uplink connected; publishing from height " + std::to_string(outbox_.next_height()));
        publish_status(true);
      } else {
        log(LogLevel::kWarning, "uplink lost; blocks wait in the store");
      }
      break;
    case Inbound::Kind::kPublished:
      outbox_.finished(event.height, event.result.ok());
      if (event.result) {
        ++counters_.blocks_published;
      } else {
        ++counters_.publish_failures;
      }
      break;
    case Inbound::Kind::kMessage:
      if (event.message.topic == topic("receipts")) {
        handle_receipt(event.message.payload);
      } else if (event.message.topic == topic("resend")) {
        handle_resend(event.message.payload);
      }
      break;
  }
}

void Agent::handle_receipt(const Bytes& payload) {
  std::size_t held_before = chain_.held_receipts();
  ReceiptIntake::Taken taken = receipt_intake_.take(payload);
  if (held_before == 0 && chain_.held_receipts() > 0) receipts_held_since_ = clock_.steady();
  switch (taken.outcome) {
    case ReceiptIntake::Outcome::kAccepted:
      ++counters_.receipts_accepted;
      log(LogLevel::kInfo, "receipt for block " + std::to_string(taken.height) +
                               " verified (batch " + std::to_string(taken.batch_id) +
                               "); backlog " + std::to_string(chain_.backlog_blocks()));
      return;
    case ReceiptIntake::Outcome::kRepeated:
      ++counters_.receipts_repeated;  // already held: nothing written, nothing logged
      return;
    case ReceiptIntake::Outcome::kStale:
      ++counters_.receipts_stale;
      [[fallthrough]];
    case ReceiptIntake::Outcome::kRejected:
      ++counters_.receipts_rejected;
      refusals_log_.log(LogLevel::kWarning, "rejected receipts",
                        "receipt rejected, block kept: " + taken.reason, clock_.steady());
      return;
  }
}

void Agent::handle_resend(const Bytes& payload) {
  auto refuse = [&](const std::string& why) {
    ++counters_.resend_refused;
    refusals_log_.log(LogLevel::kWarning, "refused resend requests",
                      "resend request refused: " + why, clock_.steady());
  };
  if (receipts_ == nullptr) return refuse("no gateway public key is configured to check it");
  auto request = receipts_->verify_resend(payload, chain_.device_id());
  if (!request) return refuse(request.error().message());
  if (Status fresh = resend_guard_.admit(*request, clock_.wall_ms()); !fresh) {
    return refuse(fresh.error().message());
  }
  ++counters_.resend_requests;
  // At most resend_max_blocks heights per request, each queued once: the
  // gateway asks again for what is still missing.
  if (!chain_.tip()) return;
  std::size_t queued = outbox_.ask(request->from_height, request->to_height, chain_.pruned_below(),
                                   chain_.tip()->height);
  log(LogLevel::kInfo, "gateway asked for heights " + std::to_string(request->from_height) + ".." +
                           std::to_string(request->to_height) + "; " + std::to_string(queued) +
                           " newly queued, " + std::to_string(outbox_.resends_waiting()) +
                           " waiting");
}

std::optional<Bytes> Agent::with_anchored_receipt(std::uint64_t height, const Bytes& block) {
  auto anchored = chain_.has_anchored_receipt(height);
  if (!anchored || !*anchored) return std::nullopt;
  auto receipt = chain_.receipt(height);
  if (!receipt || !*receipt) return std::nullopt;
  auto resent = proto::WireCodec::encode(proto::ResentBlock{block, **receipt});
  if (!resent) {
    log(LogLevel::kError, "block " + std::to_string(height) +
                              " goes without its receipt: " + resent.error().message());
    return std::nullopt;
  }
  return std::move(resent).value();
}

void Agent::pump_uplink() {
  if (transport_ == nullptr || !connected_) return;
  auto acknowledged = [this](std::uint64_t height) {
    auto receipt = chain_.receipt(height);
    return receipt && receipt->has_value();
  };
  while (auto pick = outbox_.next(tip_height(), acknowledged)) {
    std::uint64_t height = pick->height;
    if (pick->resend) ++counters_.blocks_resent;
    auto block = chain_.block(height);
    if (!block || !block->has_value()) {
      outbox_.forget(height);  // pruned: anchored long ago
      continue;
    }
    // Asked for again, a block this device holds an anchored receipt for
    // goes with that receipt: a gateway restored from an older copy keeps
    // it without anchoring it twice.
    std::string_view leaf = "blocks";
    Bytes payload = std::move(**block);
    if (pick->resend) {
      if (auto resent = with_anchored_receipt(height, payload)) {
        payload = std::move(*resent);
        leaf = "resent";
      }
    }
    Status sent =
        transport_->publish(topic(leaf), payload, 1, false, [this, height](Status result) {
          push(Inbound{Inbound::Kind::kPublished, {}, height, std::move(result), false});
        });
    if (!sent) {
      outbox_.finished(height, false);
      break;  // disconnected: the connection event will restart us
    }
  }
}

void Agent::publish_status(bool online) {
  last_status_ = clock_.steady();
  if (transport_ == nullptr || !connected_) return;
  proto::Status status;
  status.version = proto::kControlVersion;
  status.online = online;
  status.has_tip = chain_.tip().has_value();
  status.tip_height = chain_.tip() ? chain_.tip()->height : 0;
  status.backlog_blocks = chain_.backlog_blocks();
  status.pending_entries = chain_.pending_entries();
  status.next_seq = chain_.next_seq();
  status.has_receipt = chain_.retired_below() > 0;
  status.last_receipt_height = chain_.retired_below() > 0 ? chain_.retired_below() - 1 : 0;
  if (auto usage = store_.usage()) {
    status.storage_used_bytes = usage->used_bytes;
    status.storage_limit_bytes = usage->limit_bytes;
  }
  status.alarms = storage_alarm_ ? proto::kAgentAlarmStorageFull : proto::kAgentAlarmNone;
  status.time_ms = clock_.wall_ms();
  auto bytes = proto::WireCodec::encode(status);
  if (bytes) (void)transport_->publish(topic("status"), *bytes, 1, true, nullptr);
}

Status Agent::shutdown(std::chrono::milliseconds drain) {
  Status committed = commit_held();
  Status sealed = seal(proto::SealReason::kShutdown);
  Status synced = store_.sync();
  if (transport_ != nullptr) {
    // Publish what we can within the drain time, then say offline.
    auto until = clock_.steady() + drain;
    while (connected_ && clock_.steady() < until && !outbox_.drained(tip_height())) {
      std::deque<Inbound> events;
      {
        std::lock_guard lock(inbound_mutex_);
        events.swap(inbound_);
      }
      for (Inbound& event : events) handle(std::move(event));
      pump_uplink();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    publish_status(false);
    transport_->stop(drain);
  }
  VS_TRY(committed);
  VS_TRY(sealed);
  return synced;
}

}  // namespace vs::agent
