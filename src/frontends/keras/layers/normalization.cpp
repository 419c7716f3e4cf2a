// BatchNormalization at inference: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma +
// beta over the axes `axis` names. Weights in Keras order: gamma (scale=True), beta (center=True),
// moving_mean, moving_variance (non-trainable).
#include "frontends/keras/layer_spec.h"

#include <algorithm>

namespace layerscope::keras {
namespace {

LayerPlan batch_normalization(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 2, true);
  std::vector<int64_t> axes = ctx.get_axes("axis", in);
  for (int64_t a : axes)
    if (in[a] < 0) ctx.fail("the normalized axis " + std::to_string(a) + " must be known");
  std::sort(axes.begin(), axes.end());
  if (ctx.get_bool("renorm", false)) ctx.fail("renorm=true is not supported");
  if (ctx.has("virtual_batch_size")) ctx.fail("virtual_batch_size is not supported");
  // Keras 2 makes one axis's parameters (C,) and several axes' full rank, 1 elsewhere (batch too).
  KShape param;
  if (axes.size() == 1) {
    param = {in[axes[0]]};
  } else {
    param.assign(in.size(), 1);
    for (int64_t a : axes) param[a] = in[a];
  }
  LayerPlan plan;
  plan.outputs = {in};
  int slot = 0;
  auto add = [&](const char* name, bool trainable) {
    plan.weights.push_back({name, param, "vars/" + std::to_string(slot++), trainable});
  };
  const bool scale = ctx.get_bool("scale", true), center = ctx.get_bool("center", true);
  if (scale) add("gamma", true);
  if (center) add("beta", true);
  add("moving_mean", false);
  add("moving_variance", false);
  plan.attributes["scale"] = int_attr(scale);
  plan.attributes["center"] = int_attr(center);
  plan.attributes["axes"] = ints_attr(axes);
  plan.attributes["epsilon"] = float_attr(ctx.get_float("epsilon", 1e-3));
  return plan;
}

}  // namespace

void register_normalization_layers(LayerSpecs& specs) {
  specs.add("BatchNormalization", batch_normalization);
}

}  // namespace layerscope::keras
