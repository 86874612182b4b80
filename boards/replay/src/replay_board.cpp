// The replay board: vitals and waveforms from a CSV file, and device key files. Config
// keys, under [replay]:
//   replay.file     the CSV (required; format in README.md)
//   replay.speed    1.0 = the file's own pace; 0 = as fast as possible
//   replay.loop     start again at the end (default false)
//   replay.key_store, replay.key_dir, replay.pkcs11_*: the key store (board_key_store.h)
#include <memory>

#include "vs/agent/board.h"
#include "vs/board/board_key_store.h"
#include "vs/board/csv_replay_sensor.h"
#include "vs/platform/toml_config.h"

namespace vs::board {
namespace {

Result<agent::Board> make_replay_board(const platform::TomlConfig& config,
                                       const platform::Clock& clock) {
  VS_TRY(reject_unknown_board_keys(config, "replay", {"file", "speed", "loop"}));
  VS_TRY_ASSIGN(auto file, config.string("replay.file"));
  if (!file || file->empty()) {
    return Error(ErrorCode::kInvalidArgument, "must name the CSV to replay")
        .about(config.where("replay.file") + ": replay.file");
  }
  VS_TRY_ASSIGN(auto speed, config.number("replay.speed"));
  if (speed && (*speed < 0 || *speed > 1e6)) {
    return Error(ErrorCode::kInvalidArgument, "must be 0 (as fast as possible) up to 1000000")
        .about(config.where("replay.speed") + ": replay.speed = " + std::to_string(*speed));
  }
  VS_TRY_ASSIGN(auto loop, config.boolean("replay.loop"));
  auto sensor = CsvReplaySensor::open(*file, clock, speed.value_or(1.0), loop.value_or(false));
  if (!sensor)
    return std::move(sensor).error().about(config.where("replay.file") + ": replay.file");
  agent::Board board;
  board.sensor = std::move(sensor).value();
  VS_TRY_ASSIGN(board.keys, board_key_store(config, "replay"));
  return board;
}

const agent::BoardRegistry::Registration registration("replay", make_replay_board);

}  // namespace
}  // namespace vs::board
