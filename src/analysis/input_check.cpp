#include "analysis/input_check.h"

#include <layerscope/error.h>

#include <cmath>
#include <string>

namespace layerscope::analysis {

void check_input_matrix(const float* data, int64_t rows, int64_t columns, int64_t min_rows,
                        const char* method) {
  const std::string who = method;
  if (columns < 1)
    throw Error(who + " input has " + std::to_string(columns) +
                " columns: expected at least 1 feature per row");
  if (rows < min_rows)
    throw Error(who + " input has " + std::to_string(rows) + " rows: expected at least " +
                std::to_string(min_rows));
  if (!data) throw Error(who + " input has no data");
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = data + r * columns;
    for (int64_t c = 0; c < columns; ++c) {
      if (std::isfinite(row[c])) continue;
      throw Error(who + " input row " + std::to_string(r) + ", column " + std::to_string(c) +
                  " is " +
                  (std::isnan(row[c]) ? "NaN"
                   : row[c] > 0       ? "+Inf"
                                      : "-Inf") +
                  ": expected finite values (rows and columns count from 0)");
    }
  }
}

}  // namespace layerscope::analysis
