// The sim board: its sensor (a simulated patient), its key store (key files)
// and its config keys, all under [sim] in the agent's config:
//   sim.scenario   path of a scenario file (default: resting, built in)
//   sim.seed       integer, default 1
//   sim.waveform   "ecg" (default), "ppg" or "none"
//   sim.speed      simulated seconds per real second; 0 floods (default 1)
//   sim.key_store, sim.key_dir, sim.pkcs11_*: the key store (board_key_store.h)
#include <memory>

#include "vs/agent/board.h"
#include "vs/board/board_key_store.h"
#include "vs/board/sim_sensor.h"
#include "vs/platform/toml_config.h"

namespace vs::board {
namespace {

Result<agent::Board> make_sim_board(const platform::TomlConfig& config,
                                    const platform::Clock& clock) {
  VS_TRY(reject_unknown_board_keys(config, "sim", {"scenario", "seed", "waveform", "speed"}));
  Scenario scenario;
  VS_TRY_ASSIGN(auto scenario_path, config.string("sim.scenario"));
  if (scenario_path && !scenario_path->empty()) {
    auto file = platform::TomlConfig::load(*scenario_path);
    if (!file)
      return std::move(file).error().about(config.where("sim.scenario") + ": sim.scenario");
    VS_TRY_ASSIGN(scenario, Scenario::from_config(*file));
  }
  VS_TRY_ASSIGN(auto seed, config.integer("sim.seed"));
  VS_TRY_ASSIGN(auto waveform_name, config.string("sim.waveform"));
  Waveform waveform = Waveform::kEcg;
  if (waveform_name) {
    if (*waveform_name == "ppg") {
      waveform = Waveform::kPpg;
    } else if (*waveform_name == "none") {
      waveform = Waveform::kNone;
    } else if (*waveform_name != "ecg") {
      return Error(ErrorCode::kInvalidArgument, "must be \"ecg\", \"ppg\" or \"none\"")
          .about(config.where("sim.waveform") + ": sim.waveform = \"" + *waveform_name + "\"");
    }
  }
  VS_TRY_ASSIGN(auto speed, config.number("sim.speed"));
  if (speed && (*speed < 0 || *speed > 1e6)) {
    return Error(ErrorCode::kInvalidArgument, "must be 0 (flood) up to 1000000")
        .about(config.where("sim.speed") + ": sim.speed = " + std::to_string(*speed));
  }
  agent::Board board;
  board.sensor = std::make_unique<SimSensor>(
      SimPatient(std::move(scenario), static_cast<std::uint64_t>(seed.value_or(1)), waveform),
      clock, speed.value_or(1.0));
  VS_TRY_ASSIGN(board.keys, board_key_store(config, "sim"));
  return board;
}

const agent::BoardRegistry::Registration registration("sim", make_sim_board);

}  // namespace
}  // namespace vs::board
