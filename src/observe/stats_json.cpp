#include "observe/stats_json.h"

#include <cmath>

namespace layerscope {
namespace {

nlohmann::json number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

}  // namespace

nlohmann::json stats_json(const TensorStats& stats) {
  return {{"min", number(stats.min)},
          {"max", number(stats.max)},
          {"mean", number(stats.mean)},
          {"std", number(stats.std)},
          {"zero_fraction", stats.zero_fraction},
          {"nan_count", stats.nan_count},
          {"inf_count", stats.inf_count}};
}

}  // namespace layerscope
