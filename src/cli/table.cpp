#include "cli/table.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace layerscope::cli {
namespace {

// One UTF-8 sequence at `at`: its code point and length, or -1 for a byte that starts none.
int32_t decode_utf8(const std::string& s, std::size_t at, std::size_t& length) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char first = byte(at);
  length = 1;
  if (first < 0x80) return first;
  const int extra = first >= 0xc2 && first <= 0xdf   ? 1
                    : first >= 0xe0 && first <= 0xef ? 2
                    : first >= 0xf0 && first <= 0xf4 ? 3
                                                     : -1;
  if (extra < 0 || at + static_cast<std::size_t>(extra) >= s.size()) return -1;
  int32_t code = first & (0x3f >> extra);
  for (int k = 1; k <= extra; ++k) {
    const unsigned char next = byte(at + k);
    if ((next & 0xc0) != 0x80) return -1;
    code = code << 6 | (next & 0x3f);
  }
  static constexpr int32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return -1;
  length = static_cast<std::size_t>(extra) + 1;
  return code;
}

// Columns a code point takes in a terminal: 0 for combining marks, 2 for East Asian wide and
// full-width characters and emoji, 1 otherwise.
int columns_of(int32_t c) {
  if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || (c >= 0xfe00 && c <= 0xfe0f))
    return 0;
  if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
      (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
      (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
    return 2;
  return 1;
}

bool looks_numeric(const std::string& cell) {
  return !cell.empty() && (std::isdigit(static_cast<unsigned char>(cell[0])) || cell[0] == '-' ||
                           cell == "nan" || cell == "inf");
}
}  // namespace

std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    std::size_t length = 1;
    const int32_t code = decode_utf8(text, at, length);
    if (code < 0 || code < 0x20 || code == 0x7f || (code >= 0x80 && code < 0xa0)) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(text[at]));
      out += escaped;
    } else {
      out.append(text, at, length);
    }
    at += length;
  }
  return out;
}

std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t length = 1;
    const int32_t code = decode_utf8(text, at, length);
    width += code < 0 ? 1 : static_cast<std::size_t>(columns_of(code));
    at += length;
  }
  return width;
}

void Table::print(std::ostream& out) const {
  // Cells as they will show: control characters and broken UTF-8 escaped, widths in columns.
  const auto shown = [](const std::vector<std::string>& row) {
    std::vector<std::string> cells;
    for (const std::string& cell : row) cells.push_back(printable(cell));
    return cells;
  };
  const std::vector<std::string> header = shown(header_);
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : rows_) rows.push_back(shown(row));
  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print_row = [&](const std::vector<std::string>& row, bool is_header) {
    std::string line;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      const std::string pad(widths[c] - display_width(cell), ' ');
      const bool right = !is_header && c > 0 && looks_numeric(cell);
      line += (c ? "  " : "") + (right ? pad + cell : cell + pad);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << "\n";
  };
  print_row(header, true);
  for (const auto& row : rows) print_row(row, false);
}

std::string json_text(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[32];
  const double magnitude = std::fabs(value);
  if (value == 0 || (magnitude >= 1e-3 && magnitude < 1e5))
    std::snprintf(buffer, sizeof buffer, "%.4f", value);
  else
    std::snprintf(buffer, sizeof buffer, "%.3e", value);
  return buffer;
}

std::string format_count(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

}  // namespace layerscope::cli
