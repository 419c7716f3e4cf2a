// Merge layers: the elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum),
// Concatenate and Dot. Elementwise merges broadcast as Keras does: an input of lower rank gains
// size-1 axes right after the batch axis (Keras's expand_dims(x, 1)), then sizes of 1 stretch.
#include "frontends/keras/layer_spec.h"

#include <algorithm>
#include <cstdint>

namespace layerscope::keras {
namespace {

int64_t normalized_axis(LayerContext& ctx, int64_t axis, std::size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    ctx.fail("axis " + std::to_string(axis) + " is outside an input of rank " +
             std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

// One dimension of two broadcast inputs (-1: unknown), as Keras's
// _compute_elemwise_op_output_shape decides it.
int64_t broadcast_dim(LayerContext& ctx, int64_t a, int64_t b, const KShape& x, const KShape& y) {
  if (a < 0 || b < 0) return (a == 1) ? b : (b == 1) ? a : -1;
  if (a == 1) return b;
  if (b == 1 || a == b) return a;
  ctx.fail("inputs " + kshape_string(x) + " and " + kshape_string(y) +
           " cannot be merged elementwise (sizes " + std::to_string(a) + " and " +
           std::to_string(b) + ")");
}

LayerPlan elementwise(LayerContext& ctx, std::size_t min_inputs, std::size_t max_inputs) {
  const std::size_t n = ctx.inputs.size();
  if (n < min_inputs || n > max_inputs)
    ctx.fail(
        max_inputs == min_inputs
            ? "takes exactly " + std::to_string(min_inputs) + " inputs, got " + std::to_string(n)
            : "takes at least " + std::to_string(min_inputs) + " inputs, got " + std::to_string(n));
  std::size_t rank = 0;
  for (const KShape& s : ctx.inputs) {
    if (s.empty()) ctx.fail("an input has no batch axis");
    rank = std::max(rank, s.size());
  }
  // Every input as Keras sees it after expanding at axis 1: batch, padding 1s, its own axes.
  KShape out(rank, 1);
  int64_t batch = -1;
  for (const KShape& s : ctx.inputs) {
    if (s[0] >= 0) {
      if (batch >= 0 && batch != s[0])
        ctx.fail("inputs have different batch sizes: " + std::to_string(batch) + " and " +
                 std::to_string(s[0]));
      batch = s[0];
    }
    KShape padded{s[0]};
    padded.insert(padded.end(), rank - s.size(), 1);
    padded.insert(padded.end(), s.begin() + 1, s.end());
    for (std::size_t d = 1; d < rank; ++d)
      out[d] = (&s == &ctx.inputs[0]) ? padded[d]
                                      : broadcast_dim(ctx, out[d], padded[d], ctx.inputs[0], s);
  }
  out[0] = batch;
  LayerPlan plan;
  plan.outputs = {out};
  return plan;
}

LayerPlan concatenate(LayerContext& ctx) {
  if (ctx.inputs.empty()) ctx.fail("takes at least 1 input");
  const KShape& first = ctx.inputs[0];
  const int64_t axis = normalized_axis(ctx, ctx.get_int("axis", -1), first.size());
  if (axis == 0) ctx.fail("cannot concatenate along the batch axis");
  KShape out = first;
  for (std::size_t i = 1; i < ctx.inputs.size(); ++i) {
    const KShape& s = ctx.inputs[i];
    if (s.size() != first.size())
      ctx.fail("inputs " + kshape_string(first) + " and " + kshape_string(s) + " differ in rank");
    for (std::size_t d = 0; d < s.size(); ++d) {
      if (static_cast<int64_t>(d) == axis) {
        out[d] = (out[d] < 0 || s[d] < 0) ? -1 : out[d] + s[d];
      } else if (out[d] >= 0 && s[d] >= 0 && out[d] != s[d]) {
        ctx.fail("inputs " + kshape_string(first) + " and " + kshape_string(s) +
                 " differ outside the concatenation axis " + std::to_string(axis));
      } else if (out[d] < 0) {
        out[d] = s[d];
      }
    }
  }
  LayerPlan plan;
  plan.outputs = {out};
  plan.attributes["axis"] = int_attr(axis);
  return plan;
}

// Keras's batch_dot: contracts axes[0] of x with axes[1] of y, item by item.
LayerPlan dot(LayerContext& ctx) {
  const KShape& x = ctx.input(0, 2);
  const KShape& y = ctx.input(1, 2);
  if (x.size() < 2 || y.size() < 2)
    ctx.fail("inputs must have rank 2 or more, got " + kshape_string(x) + " and " +
             kshape_string(y));
  std::vector<int64_t> axes;
  if (!ctx.has("axes")) ctx.fail("config has no 'axes'");
  const nlohmann::json& a = ctx.config.at("axes");
  if (a.is_number_integer()) {
    axes = {a.get<int64_t>(), a.get<int64_t>()};
  } else if (a.is_array() && a.size() == 2 && a[0].is_number_integer() &&
             a[1].is_number_integer()) {
    axes = {a[0].get<int64_t>(), a[1].get<int64_t>()};
  } else {
    ctx.fail("axes " + a.dump() + " is neither an integer nor a pair of integers");
  }
  axes[0] = normalized_axis(ctx, axes[0], x.size());
  axes[1] = normalized_axis(ctx, axes[1], y.size());
  if (axes[0] == 0 || axes[1] == 0) ctx.fail("cannot contract the batch axis");
  if (x[axes[0]] >= 0 && y[axes[1]] >= 0 && x[axes[0]] != y[axes[1]])
    ctx.fail("contracted sizes differ: " + kshape_string(x) + " axis " + std::to_string(axes[0]) +
             " and " + kshape_string(y) + " axis " + std::to_string(axes[1]));
  KShape out;
  for (std::size_t d = 0; d < x.size(); ++d)
    if (static_cast<int64_t>(d) != axes[0]) out.push_back(x[d]);
  for (std::size_t d = 1; d < y.size(); ++d)
    if (static_cast<int64_t>(d) != axes[1]) out.push_back(y[d]);
  if (out.size() == 1) out.push_back(1);  // two vectors per item give (batch, 1)
  LayerPlan plan;
  plan.outputs = {out};
  plan.attributes["axes"] = ints_attr(axes);
  plan.attributes["normalize"] = int_attr(ctx.get_bool("normalize", false));
  return plan;
}

}  // namespace

void register_merge_layers(LayerSpecs& specs) {
  for (const char* name : {"Add", "Multiply", "Average", "Maximum", "Minimum"})
    specs.add(name, [](LayerContext& ctx) { return elementwise(ctx, 1, SIZE_MAX); });
  specs.add("Subtract", [](LayerContext& ctx) { return elementwise(ctx, 2, 2); });
  specs.add("Concatenate", concatenate);
  specs.add("Dot", dot);
}

}  // namespace layerscope::keras
