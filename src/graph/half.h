#pragma once
// float16 / bfloat16 bit patterns to float.
#include <cstdint>

namespace layerscope::detail {
float half_to_float(uint16_t h);
float bfloat16_to_float(uint16_t b);
}  // namespace layerscope::detail
