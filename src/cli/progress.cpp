#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace layerscope::cli {

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)), total_(total), enabled_(isatty(STDERR_FILENO) && total > 1) {}

Progress::~Progress() {
  if (enabled_) std::fputs("\n", stderr);
}

void Progress::update(std::size_t done) {
  if (!enabled_) return;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total_);
  std::fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu", label_.c_str(), filled,
               "##############################", kWidth - filled, "", done, total_);
  std::fflush(stderr);
}

}  // namespace layerscope::cli
