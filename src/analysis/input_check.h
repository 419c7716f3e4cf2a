#pragma once
#include <cstdint>

namespace layerscope::analysis {

// Throws Error when the rows x columns matrix is empty, has fewer than `min_rows` rows, or holds a
// NaN or Inf (naming the first one's row and column, 0-based). `method` names the caller ("PCA").
void check_input_matrix(const float* data, int64_t rows, int64_t columns, int64_t min_rows,
                        const char* method);

}  // namespace layerscope::analysis
