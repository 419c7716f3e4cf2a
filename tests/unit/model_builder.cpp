#include "model_builder.h"

#include <layerscope/error.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace layerscope::test {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "layerscope-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace layerscope::test
