// Wrappers: Bidirectional and TimeDistributed, layers that run another layer given in their
// config ("layer", and Bidirectional's optional "backward_layer").
//
// A wrapper stays ONE node of the IR (what Keras shows as one layer), so the wrapped layer is
// planned here by its own class's spec (any registered class: nothing below knows RNNs or Dense),
// and the node carries what the runtime needs to build the wrapped layer's kernel: the inner
// attributes under a prefix ("layer.units", "forward.activation"), the inner class, its input
// shape and its counts of weights and outputs (see export_inner), from which
// runtime/ops/keras/wrappers.cpp builds the wrapped layer's own kernel. The inner layer's weights
// become the wrapper's, in Keras's order, with the wrapper's Keras 3 path in front of the inner
// one ("forward_layer/cell/vars/0", "layer/vars/1").
#include "frontends/keras/layer_spec.h"

namespace layerscope::keras {
namespace {

using json = nlohmann::json;

// A wrapped layer as its own spec plans it.
struct InnerLayer {
  std::string class_name;
  LayerPlan plan;
};

InnerLayer plan_inner(const LayerContext& ctx, const json& entry, std::vector<KShape> inputs,
                      const std::string& role) {
  if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string() ||
      !entry.contains("config") || !entry["config"].is_object())
    ctx.fail("config '" + role + "' is not a layer ({\"class_name\": ..., \"config\": {...}})");
  InnerLayer inner;
  inner.class_name = entry["class_name"].get<std::string>();
  const json& config = entry["config"];
  const std::string name = config.value("name", inner.class_name);
  const LayerSpecFn* spec = layer_specs().find(inner.class_name);
  if (!spec)
    ctx.fail("wraps layer '" + name + "' (" + inner.class_name +
             "), a class layerscope has no implementation of");
  LayerContext inner_ctx(inner.class_name, config, std::move(inputs), ctx.keras_major,
                         ctx.where + ", wrapped layer '" + name + "' (" + inner.class_name + ")");
  inner.plan = (*spec)(inner_ctx);
  return inner;
}

// Makes `inner` part of the wrapper's plan under `prefix`: its weights (named weight_prefix + name,
// Keras 3 path keras3_prefix/path) and, for the kernel, attributes "<prefix>.<key>" for each of its
// attributes, plus "<prefix>:class", "<prefix>:input_shape" (-1 for unknown), "<prefix>:weights"
// and "<prefix>:outputs" (counts) about the layer itself: a ':' no Keras config key has keeps
// them apart from its attributes, and a wrapper inside a wrapper nests ("layer.forward:class").
void export_inner(LayerPlan& plan, const InnerLayer& inner, const std::string& prefix,
                  const std::string& weight_prefix, const std::string& keras3_prefix,
                  const KShape& input_shape) {
  for (const WeightSpec& w : inner.plan.weights)
    plan.weights.push_back(
        {weight_prefix + w.name, w.shape, keras3_prefix + "/" + w.keras3_path, w.trainable});
  for (const auto& [key, attr] : inner.plan.attributes) plan.attributes[prefix + "." + key] = attr;
  plan.attributes[prefix + ":class"] = string_attr(inner.class_name);
  plan.attributes[prefix + ":input_shape"] = ints_attr(input_shape);
  plan.attributes[prefix + ":weights"] = int_attr(static_cast<int64_t>(inner.plan.weights.size()));
  plan.attributes[prefix + ":outputs"] = int_attr(static_cast<int64_t>(inner.plan.outputs.size()));
}

LayerPlan bidirectional(LayerContext& ctx) {
  if (ctx.inputs.size() != 1)
    ctx.fail("initial states given to a Bidirectional layer are not supported yet");
  const KShape& in = ctx.input_of_rank(0, 3);
  if (!ctx.has("layer")) ctx.fail("config has no 'layer'");
  const json& forward_entry = ctx.config.at("layer");
  // Without a backward_layer (Keras 2 unless one was given), Keras makes the backward layer from
  // the forward one's config with go_backwards flipped.
  json backward_entry;
  if (ctx.has("backward_layer")) {
    backward_entry = ctx.config.at("backward_layer");
  } else {
    backward_entry = forward_entry;
    if (backward_entry.is_object() && backward_entry.contains("config") &&
        backward_entry["config"].is_object()) {
      json& cfg = backward_entry["config"];
      cfg["go_backwards"] = !(cfg.contains("go_backwards") && cfg["go_backwards"].is_boolean() &&
                              cfg["go_backwards"].get<bool>());
    }
  }
  const InnerLayer forward = plan_inner(ctx, forward_entry, {in}, "layer");
  const InnerLayer backward = plan_inner(ctx, backward_entry, {in}, "backward_layer");
  const std::vector<KShape>& fo = forward.plan.outputs;
  const std::vector<KShape>& bo = backward.plan.outputs;
  if (fo.size() != bo.size() || fo.empty() || fo[0].size() != bo[0].size())
    ctx.fail("the forward layer's outputs " + (fo.empty() ? "()" : kshape_string(fo[0])) +
             " and the backward layer's " + (bo.empty() ? "()" : kshape_string(bo[0])) +
             " do not match");

  // merge_mode null: the two outputs as they are.
  std::string merge = "concat";
  if (ctx.config.contains("merge_mode"))
    merge = ctx.config.at("merge_mode").is_null() ? "none" : ctx.get_string("merge_mode", "");
  LayerPlan plan;
  if (merge == "none") {
    plan.outputs = {fo[0], bo[0]};
  } else if (merge == "concat") {
    KShape out = fo[0];
    out.back() = fo[0].back() < 0 || bo[0].back() < 0 ? -1 : fo[0].back() + bo[0].back();
    plan.outputs = {out};
  } else if (merge == "sum" || merge == "mul" || merge == "ave") {
    if (fo[0] != bo[0])
      ctx.fail("merge_mode '" + merge + "' needs equal outputs, got forward " +
               kshape_string(fo[0]) + " and backward " + kshape_string(bo[0]));
    plan.outputs = {fo[0]};
  } else {
    ctx.fail("merge_mode '" + merge + "' is not one of concat, sum, mul, ave or null");
  }
  // return_state: the forward layer's states, then the backward layer's.
  plan.outputs.insert(plan.outputs.end(), fo.begin() + 1, fo.end());
  plan.outputs.insert(plan.outputs.end(), bo.begin() + 1, bo.end());
  // Both sides' variables are called kernel, bias...: their values are told apart by side.
  export_inner(plan, forward, "forward", "forward/", "forward_layer", in);
  export_inner(plan, backward, "backward", "backward/", "backward_layer", in);
  plan.attributes["merge_mode"] = string_attr(merge);
  // The backward layer's sequence runs from the last step: Keras turns it around before merging.
  const json& forward_config = forward_entry["config"];
  plan.attributes["return_sequences"] = int_attr(forward_config.contains("return_sequences") &&
                                                 forward_config["return_sequences"].is_boolean() &&
                                                 forward_config["return_sequences"].get<bool>());
  return plan;
}

LayerPlan time_distributed(LayerContext& ctx) {
  const KShape& in = ctx.input(0);  // exactly one input
  ctx.input_of_rank(0, 3, true);
  if (!ctx.has("layer")) ctx.fail("config has no 'layer'");
  // The inner layer sees batch and time merged into one batch dimension.
  KShape inner_in{in[0] < 0 || in[1] < 0 ? -1 : in[0] * in[1]};
  inner_in.insert(inner_in.end(), in.begin() + 2, in.end());
  const InnerLayer inner = plan_inner(ctx, ctx.config.at("layer"), {inner_in}, "layer");
  if (inner.plan.outputs.size() != 1)
    ctx.fail("the wrapped layer has " + std::to_string(inner.plan.outputs.size()) +
             " outputs; TimeDistributed applies a layer of one output");
  const KShape& inner_out = inner.plan.outputs[0];
  if (inner_out.empty()) ctx.fail("the wrapped layer's output has no batch dimension");
  KShape out{in[0], in[1]};
  out.insert(out.end(), inner_out.begin() + 1, inner_out.end());
  LayerPlan plan;
  plan.outputs = {out};
  if (!inner.plan.output_dtypes.empty()) plan.output_dtypes = inner.plan.output_dtypes;
  // Its weights keep their names, as in Keras 2 ("time_distributed/kernel:0").
  export_inner(plan, inner, "layer", "", "layer", inner_in);
  return plan;
}

}  // namespace

void register_wrapper_layers(LayerSpecs& specs) {
  specs.add("Bidirectional", bidirectional);
  specs.add("TimeDistributed", time_distributed);
}

}  // namespace layerscope::keras
