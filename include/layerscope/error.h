#pragma once
// The one exception type layerscope throws. Messages name what went wrong, where, and what was
// expected, on one line, so the CLI can print them as they are.
#include <stdexcept>
#include <string>

namespace layerscope {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace layerscope
