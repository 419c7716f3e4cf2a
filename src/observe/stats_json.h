#pragma once
// A tensor's statistics as JSON, one form for `run --json` and the report page, so that the two
// print the same numbers: {min, max, mean, std, zero_fraction, nan_count, inf_count}, a value
// that is NaN or infinite written as the string "nan", "inf" or "-inf" (JSON has no such numbers).
#include <layerscope/stats.h>

#include <nlohmann/json.hpp>

namespace layerscope {

nlohmann::json stats_json(const TensorStats& stats);

}  // namespace layerscope
