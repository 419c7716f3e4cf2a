// Core layers: Dense, activations as layers, identity-at-inference layers, and the reshaping
// layers that only move values (Flatten, Reshape, Permute, RepeatVector), plus Rescaling.
#include "frontends/keras/layer_spec.h"
#include "graph/op_catalog.h"

namespace layerscope::keras {
namespace {

int64_t product_or_unknown(const KShape& shape, std::size_t from) {
  int64_t p = 1;
  for (std::size_t i = from; i < shape.size(); ++i) {
    if (shape[i] < 0) return -1;
    p *= shape[i];
  }
  return p;
}

LayerPlan identity(LayerContext& ctx) { return LayerPlan{{ctx.input(0)}, {}, {}, {}}; }

LayerPlan dense(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 2, true);
  const int64_t units = ctx.get_int("units");
  if (units <= 0) ctx.fail("units must be positive, got " + std::to_string(units));
  if (in.back() < 0)
    ctx.fail("the last dimension of the input must be known, got " + kshape_string(in));
  LayerPlan plan;
  KShape out = in;
  out.back() = units;
  plan.outputs = {out};
  const bool use_bias = ctx.get_bool("use_bias", true);
  plan.weights.push_back({"kernel", {in.back(), units}, "vars/0"});
  if (use_bias) plan.weights.push_back({"bias", {units}, "vars/1"});
  plan.attributes["use_bias"] = int_attr(use_bias);
  plan.attributes["activation"] = string_attr(ctx.get_activation());
  return plan;
}

LayerPlan activation(LayerContext& ctx) {
  LayerPlan plan = identity(ctx);
  plan.attributes["activation"] = string_attr(ctx.get_activation());
  return plan;
}

LayerPlan relu(LayerContext& ctx) {
  LayerPlan plan = identity(ctx);
  if (ctx.has("max_value"))
    plan.attributes["max_value"] = float_attr(ctx.get_float("max_value", 0));
  plan.attributes["negative_slope"] = float_attr(ctx.get_float("negative_slope", 0));
  plan.attributes["threshold"] = float_attr(ctx.get_float("threshold", 0));
  return plan;
}

LayerPlan leaky_relu(LayerContext& ctx) {
  LayerPlan plan = identity(ctx);
  // Keras 2 calls the slope alpha, Keras 3 negative_slope; both default to 0.3.
  const double slope = ctx.has("negative_slope") ? ctx.get_float("negative_slope", 0.3)
                                                 : ctx.get_float("alpha", 0.3);
  plan.attributes["negative_slope"] = float_attr(slope);
  return plan;
}

LayerPlan elu(LayerContext& ctx) {
  LayerPlan plan = identity(ctx);
  plan.attributes["alpha"] = float_attr(ctx.get_float("alpha", 1.0));
  return plan;
}

LayerPlan thresholded_relu(LayerContext& ctx) {
  LayerPlan plan = identity(ctx);
  plan.attributes["theta"] = float_attr(ctx.get_float("theta", 1.0));
  return plan;
}

LayerPlan prelu(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 2, true);
  KShape alpha(in.begin() + 1, in.end());
  std::vector<int64_t> shared;
  if (ctx.has("shared_axes")) {
    const nlohmann::json& axes = ctx.config.at("shared_axes");
    if (axes.is_number_integer())
      shared.push_back(axes.get<int64_t>());
    else if (axes.is_array())
      for (const auto& a : axes) shared.push_back(a.get<int64_t>());
  }
  for (int64_t axis : shared) {
    if (axis < 1 || axis >= static_cast<int64_t>(in.size()))
      ctx.fail("shared_axes holds " + std::to_string(axis) + ", outside 1.." +
               std::to_string(in.size() - 1));
    alpha[axis - 1] = 1;
  }
  for (int64_t d : alpha)
    if (d < 0)
      ctx.fail("PReLU needs every non-shared input dimension known, got " + kshape_string(in));
  LayerPlan plan = identity(ctx);
  plan.weights.push_back({"alpha", alpha, "vars/0"});
  return plan;
}

LayerPlan softmax(LayerContext& ctx) {
  LayerPlan plan = identity(ctx);
  const int64_t rank = static_cast<int64_t>(ctx.input(0).size());
  std::vector<int64_t> axes;
  if (ctx.has("axis") && ctx.config.at("axis").is_array())
    for (const auto& a : ctx.config.at("axis")) axes.push_back(a.get<int64_t>());
  else
    axes.push_back(ctx.get_int("axis", -1));
  for (int64_t& a : axes) {
    if (a < -rank || a >= rank) ctx.fail("axis " + std::to_string(a) + " is outside the input");
    if (a < 0) a += rank;
  }
  plan.attributes["axes"] = ints_attr(axes);
  return plan;
}

LayerPlan flatten(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 1, true);
  return LayerPlan{{{in[0], in.size() == 1 ? 1 : product_or_unknown(in, 1)}}, {}, {}, {}};
}

LayerPlan reshape(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 1, true);
  if (!ctx.has("target_shape") || !ctx.config.at("target_shape").is_array())
    ctx.fail("config has no target_shape list");
  std::vector<int64_t> target;
  for (const auto& d : ctx.config.at("target_shape")) target.push_back(d.get<int64_t>());
  const int64_t total = product_or_unknown(in, 1);
  int64_t known = 1, unknown_at = -1;
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1 && unknown_at < 0)
      unknown_at = static_cast<int64_t>(i);
    else if (target[i] <= 0)
      ctx.fail("target_shape " + kshape_string(target) + " is invalid");
    else
      known *= target[i];
  }
  if (unknown_at >= 0) {
    if (total >= 0 && (known == 0 || total % known != 0))
      ctx.fail("cannot reshape " + kshape_string(in) + " to " + kshape_string(target));
    target[unknown_at] = total >= 0 ? total / known : -1;
  } else if (total >= 0 && total != known) {
    ctx.fail("cannot reshape " + kshape_string(in) + " (" + std::to_string(total) +
             " values per item) to " + kshape_string(target));
  }
  KShape out{in[0]};
  out.insert(out.end(), target.begin(), target.end());
  LayerPlan plan{{out}, {}, {}, {}};
  plan.attributes["target_shape"] = ints_attr(target);
  return plan;
}

LayerPlan permute(LayerContext& ctx) {
  const KShape& in = ctx.input(0);
  if (!ctx.has("dims") || !ctx.config.at("dims").is_array()) ctx.fail("config has no dims list");
  std::vector<int64_t> dims;
  for (const auto& d : ctx.config.at("dims")) dims.push_back(d.get<int64_t>());
  if (dims.size() + 1 != in.size())
    ctx.fail("dims " + kshape_string(dims) + " do not match the input " + kshape_string(in));
  std::vector<bool> seen(in.size(), false);
  KShape out{in[0]};
  for (int64_t d : dims) {
    if (d < 1 || d >= static_cast<int64_t>(in.size()) || seen[d])
      ctx.fail("dims " + kshape_string(dims) + " is not a permutation of 1.." +
               std::to_string(in.size() - 1));
    seen[d] = true;
    out.push_back(in[d]);
  }
  LayerPlan plan{{out}, {}, {}, {}};
  plan.attributes["dims"] = ints_attr(dims);
  return plan;
}

LayerPlan repeat_vector(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 2);
  const int64_t n = ctx.get_int("n");
  if (n <= 0) ctx.fail("n must be positive, got " + std::to_string(n));
  LayerPlan plan{{{in[0], n, in[1]}}, {}, {}, {}};
  plan.attributes["n"] = int_attr(n);
  return plan;
}

LayerPlan rescaling(LayerContext& ctx) {
  LayerPlan plan = identity(ctx);
  plan.attributes["scale"] = float_attr(ctx.get_float("scale", 1.0));
  plan.attributes["offset"] = float_attr(ctx.get_float("offset", 0.0));
  return plan;
}

}  // namespace

void register_core_layers(LayerSpecs& specs) {
  specs.add("Dense", dense);
  specs.add("Activation", activation);
  specs.add("ReLU", relu);
  specs.add("LeakyReLU", leaky_relu);
  specs.add("ELU", elu);
  specs.add("ThresholdedReLU", thresholded_relu);
  specs.add("PReLU", prelu);
  specs.add("Softmax", softmax);
  specs.add("Flatten", flatten);
  specs.add("Reshape", reshape);
  specs.add("Permute", permute);
  specs.add("RepeatVector", repeat_vector);
  specs.add("Rescaling", rescaling);
  for (const std::string& name : keras_inference_identities()) specs.add(name, identity);
}

}  // namespace layerscope::keras
