#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "temp_dir.h"
#include "vs/board/board_key_store.h"

namespace vs::board {
namespace {

std::string write_pin(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path.string();
}

TEST(PinFile, IsReadFromTheFileItChecked) {
  vs::testing::TempDir dir;
  EXPECT_EQ(read_pin_file(write_pin(dir.path() / "pin", "1234\n", 0600)).value(), "1234");
  EXPECT_EQ(read_pin_file(write_pin(dir.path() / "open", "1234\n", 0644)).error().code(),
            ErrorCode::kPermission);
  EXPECT_EQ(read_pin_file(write_pin(dir.path() / "empty", "\n", 0600)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(read_pin_file((dir.path() / "absent").string()).error().code(), ErrorCode::kNotFound);
  // A symlink to a private file is refused: the check and the read are one file.
  std::filesystem::create_symlink(dir.path() / "pin", dir.path() / "link");
  auto linked = read_pin_file((dir.path() / "link").string());
  ASSERT_FALSE(linked.ok());
  EXPECT_NE(linked.error().message().find("symlink"), std::string::npos);
  EXPECT_EQ(read_pin_file(dir.path().string()).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vs::board
