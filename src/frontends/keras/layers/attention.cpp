// MultiHeadAttention: query, value (and optionally key) projected per head by EinsumDense
// sublayers, scaled dot-product attention over the attention axes, then an output projection.
// Keras 2 calls it as mha(query, value[, key]) with value/key recorded as keyword tensors; Keras 3
// records them positionally or by keyword. Weights in Keras's order: query, key, value and
// attention_output, each a kernel then (with use_bias) a bias.
#include "frontends/keras/layer_spec.h"

#include <algorithm>
#include <numeric>

namespace layerscope::keras {
namespace {

// Which input is the query, the value and the key (-1: the key is the value).
std::vector<int64_t> attention_roles(LayerContext& ctx) {
  const std::vector<std::string> names = {"query", "value", "key"};
  std::vector<int64_t> roles(3, -1);
  std::size_t next_positional = 0;
  for (std::size_t i = 0; i < ctx.inputs.size(); ++i) {
    const std::string keyword = i < ctx.input_keywords.size() ? ctx.input_keywords[i] : "";
    std::size_t role = 0;
    if (keyword.empty()) {
      while (next_positional < 3 && roles[next_positional] >= 0) ++next_positional;
      if (next_positional == 3) ctx.fail("called with more than query, value and key");
      role = next_positional;
    } else {
      const auto it = std::find(names.begin(), names.end(), keyword);
      if (it == names.end())
        ctx.fail("called with the tensor argument '" + keyword +
                 "', which layerscope does not support (masks are not supported yet)");
      role = static_cast<std::size_t>(it - names.begin());
    }
    if (roles[role] >= 0) ctx.fail("called with two " + names[role] + " tensors");
    roles[role] = static_cast<int64_t>(i);
  }
  if (roles[0] < 0 || roles[1] < 0) ctx.fail("needs both a query and a value tensor");
  return roles;
}

// An optional int or list of ints ("output_shape", "attention_axes"); empty when null.
std::vector<int64_t> optional_ints(LayerContext& ctx, const std::string& key) {
  if (!ctx.has(key)) return {};
  const nlohmann::json& v = ctx.config.at(key);
  if (v.is_number_integer()) return {v.get<int64_t>()};
  std::vector<int64_t> out;
  if (v.is_array())
    for (const auto& e : v) {
      if (!e.is_number_integer()) break;
      out.push_back(e.get<int64_t>());
    }
  if (!v.is_array() || out.size() != v.size())
    ctx.fail("config '" + key + "' is " + v.dump() + "; expected an integer or a list of them");
  return out;
}

std::string sublayer_path(const std::string& name, int index) {
  // Keras 3.0 saved the sublayers under their attribute (_query_dense); from 3.1, public
  // properties of the same objects come first in saving order (query_dense).
  const std::string var = "/vars/" + std::to_string(index);
  return name + var + "|_" + name + var;
}

// Call options that change the result; what layerscope cannot honour is refused, not ignored.
void check_call_options(LayerContext& ctx) {
  if (!ctx.call_options) return;
  for (const char* option : {"use_causal_mask", "return_attention_scores"}) {
    const auto it = ctx.call_options->find(option);
    if (it != ctx.call_options->end() && it->is_boolean() && it->get<bool>())
      ctx.fail(std::string("called with ") + option + "=True, which is not supported yet");
  }
}

LayerPlan multi_head_attention(LayerContext& ctx) {
  check_call_options(ctx);
  const std::vector<int64_t> roles = attention_roles(ctx);
  const KShape& query = ctx.inputs[roles[0]];
  const KShape& value = ctx.inputs[roles[1]];
  const KShape& key = roles[2] >= 0 ? ctx.inputs[roles[2]] : value;
  if (query.size() < 3)
    ctx.fail("the query must have rank 3 or more (batch, ..., features), got " +
             kshape_string(query));
  if (value.size() != query.size() || key.size() != query.size())
    ctx.fail("query " + kshape_string(query) + ", value " + kshape_string(value) + " and key " +
             kshape_string(key) + " must have the same rank");
  for (std::size_t d = 1; d + 1 < value.size(); ++d)
    if (value[d] >= 0 && key[d] >= 0 && value[d] != key[d])
      ctx.fail("value " + kshape_string(value) + " and key " + kshape_string(key) +
               " must agree on all axes but the last");
  for (const KShape* s : {&query, &value, &key})
    if (s->back() < 0) ctx.fail("the feature size of " + kshape_string(*s) + " must be known");

  const int64_t heads = ctx.get_int("num_heads");
  const int64_t key_dim = ctx.get_int("key_dim");
  const int64_t value_dim = ctx.has("value_dim") ? ctx.get_int("value_dim") : key_dim;
  if (heads <= 0 || key_dim <= 0 || value_dim <= 0)
    ctx.fail("num_heads, key_dim and value_dim must be positive");
  const bool use_bias = ctx.get_bool("use_bias", true);
  std::vector<int64_t> out_shape = optional_ints(ctx, "output_shape");
  if (out_shape.empty()) out_shape = {query.back()};

  // Attention axes among the query's axes 1..rank-2; Keras counts negative ones from the end
  // of the projected (batch, ..., heads, dim) tensor without its last axis.
  const auto rank = static_cast<int64_t>(query.size());
  std::vector<int64_t> axes = optional_ints(ctx, "attention_axes");
  if (axes.empty()) {
    axes.resize(static_cast<std::size_t>(rank - 2));
    std::iota(axes.begin(), axes.end(), 1);
  }
  for (int64_t& a : axes) {
    if (a < 0) a += rank;
    if (a < 1 || a > rank - 2)
      ctx.fail("attention_axes " + kshape_string(optional_ints(ctx, "attention_axes")) +
               " must name axes of the query between the batch and the features");
  }
  std::sort(axes.begin(), axes.end());
  for (int64_t d = 1; d < rank - 1; ++d)
    if (!std::binary_search(axes.begin(), axes.end(), d) && query[d] >= 0 && key[d] >= 0 &&
        query[d] != key[d])
      ctx.fail("query " + kshape_string(query) + " and key " + kshape_string(key) +
               " must agree on axis " + std::to_string(d) + ", which is not an attention axis");

  KShape out(query.begin(), query.end() - 1);
  out.insert(out.end(), out_shape.begin(), out_shape.end());
  LayerPlan plan{{out}, {}, {}, {}};
  auto project = [&](const std::string& name, const std::string& sublayer, int64_t in,
                     int64_t dim) {
    plan.weights.push_back({name + "/kernel", {in, heads, dim}, sublayer_path(sublayer, 0)});
    if (use_bias)
      plan.weights.push_back({name + "/bias", {heads, dim}, sublayer_path(sublayer, 1)});
  };
  project("query", "query_dense", query.back(), key_dim);
  project("key", "key_dense", key.back(), key_dim);
  project("value", "value_dense", value.back(), value_dim);
  KShape out_kernel{heads, value_dim};
  out_kernel.insert(out_kernel.end(), out_shape.begin(), out_shape.end());
  plan.weights.push_back({"attention_output/kernel", out_kernel, sublayer_path("output_dense", 0)});
  if (use_bias)
    plan.weights.push_back(
        {"attention_output/bias", KShape(out_shape), sublayer_path("output_dense", 1)});

  plan.attributes["roles"] = ints_attr(roles);
  plan.attributes["num_heads"] = int_attr(heads);
  plan.attributes["key_dim"] = int_attr(key_dim);
  plan.attributes["value_dim"] = int_attr(value_dim);
  plan.attributes["use_bias"] = int_attr(use_bias);
  plan.attributes["attention_axes"] = ints_attr(axes);
  plan.attributes["output_shape"] = ints_attr(out_shape);
  return plan;
}

}  // namespace

void register_attention_layers(LayerSpecs& specs) {
  specs.add("MultiHeadAttention", multi_head_attention);
}

}  // namespace layerscope::keras
