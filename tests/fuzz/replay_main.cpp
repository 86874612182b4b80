// Runs a fuzz target over files or directories of inputs, without libFuzzer:
// how the committed corpus is replayed under ctest with any compiler.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return 1;
  }
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(data.data(), data.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& item : std::filesystem::recursive_directory_iterator(path)) {
        if (!item.is_regular_file()) continue;
        failures += replay(item.path());
        ++count;
      }
    } else {
      failures += replay(path);
      ++count;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "replay: no inputs given (expected corpus files or directories)\n");
    return 1;
  }
  std::printf("replay: %zu inputs, no crash\n", count);
  return failures == 0 ? 0 : 1;
}
