#pragma once
// A one-line progress bar on stderr for long commands; silent when stderr is not a terminal, so
// logs and pipes stay clean.
#include <cstddef>
#include <string>

namespace layerscope::cli {

class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();  // ends the line
  void update(std::size_t done);

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
};

}  // namespace layerscope::cli
