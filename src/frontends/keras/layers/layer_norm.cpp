// Per-item normalization layers: LayerNormalization (gamma and beta span the normalized axes) and
// UnitNormalization (no weights).
#include "frontends/keras/layer_spec.h"

namespace layerscope::keras {
namespace {

LayerPlan layer_normalization(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 2, true);
  const std::vector<int64_t> axes = ctx.get_axes("axis", in);
  // Keras shapes gamma and beta as the normalized axes in the config's order (and reshapes them
  // to the input's rank with the sizes in axis order when it applies them).
  KShape param;
  for (int64_t a : axes) {
    if (in[a] < 0)
      ctx.fail("the normalized axis " + std::to_string(a) + " of " + kshape_string(in) +
               " must have a known size");
    param.push_back(in[a]);
  }
  const bool rms_scaling = ctx.get_bool("rms_scaling", false);  // Keras 3 only
  const bool has_gamma = ctx.get_bool("scale", true) || rms_scaling;
  const bool has_beta = ctx.get_bool("center", true) && !rms_scaling;
  LayerPlan plan{{in}, {}, {}, {}};
  if (has_gamma) plan.weights.push_back({"gamma", param, "vars/0"});
  if (has_beta) plan.weights.push_back({"beta", param, has_gamma ? "vars/1" : "vars/0"});
  plan.attributes["axes"] = ints_attr(axes);
  plan.attributes["epsilon"] = float_attr(ctx.get_float("epsilon", 1e-3));
  plan.attributes["has_gamma"] = int_attr(has_gamma);
  plan.attributes["has_beta"] = int_attr(has_beta);
  plan.attributes["rms_scaling"] = int_attr(rms_scaling);
  return plan;
}

LayerPlan unit_normalization(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 2, true);
  LayerPlan plan{{in}, {}, {}, {}};
  plan.attributes["axes"] = ints_attr(ctx.get_axes("axis", in));
  return plan;
}

}  // namespace

void register_layer_norm_layers(LayerSpecs& specs) {
  specs.add("LayerNormalization", layer_normalization);
  specs.add("UnitNormalization", unit_normalization);
}

}  // namespace layerscope::keras
