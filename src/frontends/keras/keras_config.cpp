#include "frontends/keras/keras_config.h"

#include <layerscope/error.h>

namespace layerscope::keras {
namespace {

using json = nlohmann::json;

bool is_int(const json& j) { return j.is_number_integer(); }

// Keras 2 writes a reference as [layer, call, tensor] (plus kwargs in inbound nodes).
bool is_keras2_ref(const json& j) {
  return j.is_array() && j.size() >= 3 && j[0].is_string() && is_int(j[1]) && is_int(j[2]);
}

// Keras 3 writes {"class_name": "__keras_tensor__", "config": {"keras_history": [l, c, t]}}.
bool is_keras3_tensor(const json& j) {
  return j.is_object() && j.value("class_name", "") == "__keras_tensor__" && j.contains("config") &&
         j["config"].contains("keras_history");
}

TensorRef ref_of(const json& history, const std::string& where) {
  if (!is_keras2_ref(history))
    throw Error(where + ": expected a tensor reference [layer, node, tensor], got " +
                history.dump());
  return {history[0].get<std::string>(), history[1].get<int>(), history[2].get<int>()};
}

// Keras 3 call arguments: tensors in order of appearance, nested lists flattened.
void collect_keras3(const json& arg, const std::string& keyword, LayerCall& call,
                    const std::string& where) {
  if (is_keras3_tensor(arg)) {
    call.inputs.push_back(ref_of(arg["config"]["keras_history"], where));
    call.input_keywords.push_back(keyword);
  } else if (arg.is_array()) {
    for (const json& a : arg) collect_keras3(a, keyword, call, where);
  } else if (arg.is_object() && arg.contains("config") && arg["config"].is_object() &&
             arg.value("class_name", "") == "__keras_tensor__") {
    throw Error(where + ": a Keras tensor without keras_history");
  }
}

LayerCall parse_call(const json& node, const std::string& where) {
  LayerCall call;
  if (node.is_object()) {  // Keras 3: {"args": [...], "kwargs": {...}}
    if (node.contains("args")) collect_keras3(node["args"], "", call, where);
    if (node.contains("kwargs") && node["kwargs"].is_object())
      for (const auto& [key, value] : node["kwargs"].items()) {
        const std::size_t before = call.inputs.size();
        collect_keras3(value, key, call, where);
        if (call.inputs.size() == before) call.options[key] = value;
      }
    return call;
  }
  if (!node.is_array()) throw Error(where + ": unreadable inbound node " + node.dump());
  for (const json& entry : node) {  // Keras 2: [[layer, call, tensor, kwargs], ...]
    call.inputs.push_back(ref_of(entry, where));
    call.input_keywords.emplace_back();
    if (entry.size() >= 4 && entry[3].is_object())
      for (const auto& [key, value] : entry[3].items())
        if (is_keras2_ref(value)) {  // a tensor passed by keyword (MultiHeadAttention's value)
          call.inputs.push_back(ref_of(value, where));
          call.input_keywords.push_back(key);
        } else {
          call.options[key] = value;
        }
  }
  return call;
}

std::vector<TensorRef> parse_refs(const json& refs, const std::string& where) {
  if (is_keras2_ref(refs)) return {ref_of(refs, where)};  // Keras 3's single input or output
  if (!refs.is_array()) throw Error(where + ": expected a list of tensor references");
  std::vector<TensorRef> out;
  for (const json& r : refs) out.push_back(ref_of(r, where));
  return out;
}

LayerEntry parse_layer(const json& entry, bool functional, const std::string& where) {
  if (!entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string())
    throw Error(where + ": a layer entry without class_name: " + entry.dump().substr(0, 200));
  LayerEntry layer;
  layer.class_name = entry["class_name"].get<std::string>();
  static const json empty = json::object();
  layer.config = entry.contains("config") ? &entry["config"] : &empty;
  if (entry.contains("name") && entry["name"].is_string())
    layer.name = entry["name"].get<std::string>();
  else if (layer.config->is_object() && layer.config->contains("name") &&
           (*layer.config)["name"].is_string())
    layer.name = (*layer.config)["name"].get<std::string>();
  if (layer.name.empty()) throw Error(where + ": a " + layer.class_name + " layer has no name");
  if (functional && entry.contains("inbound_nodes")) {
    const std::string here = where + ": layer '" + layer.name + "'";
    for (const json& node : entry["inbound_nodes"]) layer.calls.push_back(parse_call(node, here));
  }
  return layer;
}

}  // namespace

bool is_container_class(const std::string& class_name) {
  return class_name == "Sequential" || class_name == "Functional" || class_name == "Model";
}

Container parse_container(const json& entry, const std::string& where) {
  if (!entry.is_object() || !entry.contains("class_name"))
    throw Error(where + ": the model config has no class_name");
  Container c;
  c.class_name = entry["class_name"].get<std::string>();
  if (c.class_name == "Model") c.class_name = "Functional";
  if (!is_container_class(c.class_name))
    throw Error(where + ": the model is a subclassed '" + c.class_name +
                "', whose architecture is Python code; layerscope reads Sequential and "
                "Functional models");
  // Layers point into the document: `config` must refer to it, never to a copy.
  static const json no_config = json::object();
  const json& config = entry.contains("config") ? entry["config"] : no_config;
  const bool functional = c.class_name == "Functional";
  // Keras <= 2.2 wrote a Sequential's config as the bare list of its layers.
  const json* layers = config.is_array() ? &config : nullptr;
  if (config.is_object()) {
    c.name = config.value("name", "");
    if (config.contains("layers")) layers = &config["layers"];
    if (config.contains("build_input_shape") && config["build_input_shape"].is_array())
      c.build_input_shape = &config["build_input_shape"];
  }
  // Keras 3 keeps a built Sequential's input shape in the entry's build_config.
  if (!c.build_input_shape && entry.contains("build_config") && entry["build_config"].is_object() &&
      entry["build_config"].contains("input_shape") &&
      entry["build_config"]["input_shape"].is_array())
    c.build_input_shape = &entry["build_config"]["input_shape"];
  if (c.name.empty()) c.name = functional ? "model" : "sequential";
  if (!layers || !layers->is_array())
    throw Error(where + ": the " + c.class_name + " config has no list of layers");
  for (const json& layer : *layers) c.layers.push_back(parse_layer(layer, functional, where));
  if (functional) {
    if (!config.contains("input_layers") || !config.contains("output_layers"))
      throw Error(where + ": the Functional config of '" + c.name +
                  "' lacks input_layers or output_layers");
    c.inputs = parse_refs(config["input_layers"], where + ": input_layers");
    c.outputs = parse_refs(config["output_layers"], where + ": output_layers");
  }
  return c;
}

}  // namespace layerscope::keras
