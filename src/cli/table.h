#pragma once
// Plain-text tables for the console: columns sized to their widest cell, numbers right-aligned.
#include <ostream>
#include <string>
#include <vector>

namespace layerscope::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Compact number formatting: "0.1235", "-3.2e+05", "nan".
std::string format_number(double value);
// "1,234,567"
std::string format_count(int64_t value);

}  // namespace layerscope::cli
