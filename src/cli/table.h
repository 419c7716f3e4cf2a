#pragma once
// Plain-text tables for the console: columns sized to their widest cell (in terminal columns),
// numbers right-aligned, cells printable.
#include <nlohmann/json_fwd.hpp>

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

// `text` safe to print on a terminal: control characters (an escape sequence in a tag read from
// someone's event file) and bytes that are not UTF-8 become "\x1b".
std::string printable(const std::string& text);
// Terminal columns `text` takes: UTF-8 decoded, wide East Asian characters count 2.
std::size_t display_width(const std::string& text);

// JSON for stdout, indented; strings that are not UTF-8 (names from a model or an event file)
// get U+FFFD for their bad bytes rather than failing the command.
std::string json_text(const nlohmann::json& value);

// Compact number formatting: "0.1235", "-3.2e+05", "nan".
std::string format_number(double value);
// "1,234,567"
std::string format_count(int64_t value);

}  // namespace layerscope::cli
