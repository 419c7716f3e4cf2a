#include "frontends/keras/layer_spec.h"

#include <layerscope/error.h>

namespace layerscope::keras {

std::string kshape_string(const KShape& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += shape[i] < 0 ? "None" : std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

const KShape& LayerContext::input(std::size_t i, std::size_t expected_count) const {
  if (expected_count && inputs.size() != expected_count)
    fail("expected " + std::to_string(expected_count) + " input" +
         (expected_count == 1 ? "" : "s") + ", got " + std::to_string(inputs.size()));
  if (i >= inputs.size()) fail("expected at least " + std::to_string(i + 1) + " inputs");
  return inputs[i];
}

const KShape& LayerContext::input_of_rank(std::size_t i, std::size_t rank, bool or_more) const {
  const KShape& shape = input(i, 0);
  if (or_more ? shape.size() < rank : shape.size() != rank)
    fail("expected an input of rank " + std::to_string(rank) + (or_more ? " or more" : "") +
         " (batch included), got " + kshape_string(shape));
  return shape;
}

bool LayerContext::has(const std::string& key) const {
  return config.contains(key) && !config.at(key).is_null();
}

int64_t LayerContext::get_int(const std::string& key, int64_t fallback) const {
  if (!has(key)) return fallback;
  const nlohmann::json& v = config.at(key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float() && v.get<double>() == static_cast<double>(v.get<int64_t>()))
    return v.get<int64_t>();
  if (v.is_array() && v.size() == 1 && v[0].is_number_integer()) return v[0].get<int64_t>();
  fail("config '" + key + "' is " + v.dump() + "; expected an integer");
}

int64_t LayerContext::get_int(const std::string& key) const {
  if (!has(key)) fail("config has no '" + key + "'");
  return get_int(key, 0);
}

double LayerContext::get_float(const std::string& key, double fallback) const {
  if (!has(key)) return fallback;
  const nlohmann::json& v = config.at(key);
  if (v.is_number()) return v.get<double>();
  fail("config '" + key + "' is " + v.dump() + "; expected a number");
}

bool LayerContext::get_bool(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const nlohmann::json& v = config.at(key);
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() != 0;
  fail("config '" + key + "' is " + v.dump() + "; expected true or false");
}

std::string LayerContext::get_string(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const nlohmann::json& v = config.at(key);
  if (v.is_string()) return v.get<std::string>();
  fail("config '" + key + "' is " + v.dump() + "; expected a string");
}

std::vector<int64_t> LayerContext::get_ints(const std::string& key, std::size_t n,
                                            const std::vector<int64_t>& fallback) const {
  if (!has(key)) return fallback;
  const nlohmann::json& v = config.at(key);
  if (v.is_number_integer()) return std::vector<int64_t>(n, v.get<int64_t>());
  if (v.is_array() && v.size() == n) {
    std::vector<int64_t> out;
    for (const auto& e : v) {
      if (!e.is_number_integer()) break;
      out.push_back(e.get<int64_t>());
    }
    if (out.size() == n) return out;
  }
  fail("config '" + key + "' is " + v.dump() + "; expected an integer or " + std::to_string(n) +
       " integers");
}

std::vector<int64_t> LayerContext::get_axes(const std::string& key, const KShape& in,
                                            int64_t fallback) const {
  std::vector<int64_t> axes;
  if (has(key) && config.at(key).is_array()) {
    for (const auto& a : config.at(key)) {
      if (!a.is_number_integer()) fail(key + " " + config.at(key).dump() + " is invalid");
      axes.push_back(a.get<int64_t>());
    }
  } else {
    axes.push_back(get_int(key, fallback));
  }
  if (axes.empty()) fail(key + " is an empty list");
  const auto rank = static_cast<int64_t>(in.size());
  std::vector<bool> seen(in.size(), false);
  for (int64_t& a : axes) {
    if (a < -rank || a >= rank)
      fail(key + " " + std::to_string(a) + " is outside the input " + kshape_string(in));
    if (a < 0) a += rank;
    if (a == 0) fail(key + " names the batch axis, which a layer cannot normalize over");
    if (seen[a]) fail(key + " " + std::to_string(a) + " is listed twice");
    seen[a] = true;
  }
  return axes;
}

std::string LayerContext::get_activation(const std::string& key) const {
  if (!has(key)) return "linear";
  const nlohmann::json& v = config.at(key);
  if (v.is_string()) return v.get<std::string>();
  // Keras 3 may serialize a built-in activation as {"class_name": "function", "config": "relu"}.
  if (v.is_object() && v.contains("config") && v.at("config").is_string())
    return v.at("config").get<std::string>();
  fail("activation '" + v.dump() +
       "' is not a built-in Keras activation (a custom function cannot run without Python)");
}

void LayerContext::fail(const std::string& message) const { throw Error(where + ": " + message); }

const LayerSpecFn* LayerSpecs::find(const std::string& class_name) const {
  auto it = specs_.find(class_name);
  return it == specs_.end() ? nullptr : &it->second;
}

const LayerSpecs& layer_specs() {
  static const LayerSpecs specs = [] {
    LayerSpecs s;
    register_core_layers(s);
    register_recurrent_layers(s);
    register_wrapper_layers(s);
    register_merge_layers(s);
    register_layer_norm_layers(s);
    register_embedding_layers(s);
    register_preprocessing_layers(s);
    register_attention_layers(s);
    register_conv_layers(s);
    register_pool_layers(s);
    register_spatial_layers(s);
    register_normalization_layers(s);
    return s;
  }();
  return specs;
}

Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::Int;
  a.i = v;
  return a;
}

Attribute ints_attr(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::Ints;
  a.ints = std::move(v);
  return a;
}

Attribute float_attr(double v) {
  Attribute a;
  a.kind = Attribute::Kind::Float;
  a.f = v;
  return a;
}

Attribute string_attr(std::string v) {
  Attribute a;
  a.kind = Attribute::Kind::String;
  a.s = std::move(v);
  return a;
}

int64_t window_output(int64_t length, int64_t kernel, int64_t stride, int64_t dilation,
                      const std::string& padding) {
  if (length < 0) return -1;
  if (padding == "same") return (length + stride - 1) / stride;
  const int64_t span = (kernel - 1) * dilation + 1;
  return length < span ? 0 : (length - span) / stride + 1;
}

}  // namespace layerscope::keras
