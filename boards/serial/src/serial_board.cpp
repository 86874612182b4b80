// The serial board: a sensor on a tty speaking the line protocol of
// README.md, and device key files. Config keys, under [serial]:
//   serial.device   path of the tty (required), e.g. "/dev/ttyUSB0"
//   serial.baud     9600 .. 921600, default 115200
//   serial.key_store, serial.key_dir, serial.pkcs11_*: the key store (board_key_store.h)
#include <algorithm>
#include <memory>

#include "vs/agent/board.h"
#include "vs/board/board_key_store.h"
#include "vs/board/serial_sensor.h"
#include "vs/platform/toml_config.h"

namespace vs::board {
namespace {

Result<agent::Board> make_serial_board(const platform::TomlConfig& config, const platform::Clock&) {
  VS_TRY(reject_unknown_board_keys(config, "serial", {"device", "baud"}));
  VS_TRY_ASSIGN(auto device, config.string("serial.device"));
  if (!device || device->empty()) {
    return Error(ErrorCode::kInvalidArgument, "must name the sensor's tty")
        .about(config.where("serial.device") + ": serial.device");
  }
  VS_TRY_ASSIGN(auto baud, config.integer("serial.baud"));
  const std::int64_t rates[] = {9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600};
  if (baud && std::find(std::begin(rates), std::end(rates), *baud) == std::end(rates)) {
    return Error(ErrorCode::kInvalidArgument, "must be a standard rate (9600 .. 921600)")
        .about(config.where("serial.baud") + ": serial.baud = " + std::to_string(*baud));
  }
  agent::Board board;
  board.sensor = std::make_unique<SerialSensor>(*device, static_cast<int>(baud.value_or(115200)));
  VS_TRY_ASSIGN(board.keys, board_key_store(config, "serial"));
  return board;
}

const agent::BoardRegistry::Registration registration("serial", make_serial_board);

}  // namespace
}  // namespace vs::board
