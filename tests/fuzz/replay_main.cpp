// The main of the fuzz targets when libFuzzer is not linked (GCC / VOTE_FUZZ=OFF builds): runs
// LLVMFuzzerTestOneInput once on every file named, and on every file in each directory named,
// so `ctest -L fuzz` replays the seed corpora (and any crash reproducer) in every build.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
    return false;
  }
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t runs = 0;
  bool ok = argc > 1;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg = argv[i];
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(arg)) {
      for (const auto& e : std::filesystem::directory_iterator(arg)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      if (files.empty()) {
        std::fprintf(stderr, "replay: %s holds no files\n", arg.c_str());
        ok = false;
      }
    } else {
      files.push_back(arg);
    }
    for (const auto& f : files) {
      ok = run_file(f) && ok;
      ++runs;
    }
  }
  std::printf("replay: %zu inputs run%s\n", runs, ok ? "" : " (with errors)");
  return ok ? 0 : 1;
}
