// Keras model config -> graph IR: each layer call one node named as the layer (nested models
// inline, their layers named outer/inner), shapes from the layer specs, weights from the store.
#include "frontends/keras/graph_builder.h"

#include "frontends/keras/layer_spec.h"
#include "graph/op_catalog.h"

#include <layerscope/error.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace layerscope::keras {
namespace {

using json = nlohmann::json;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

DType dtype_from_keras(const json& dtype) {
  std::string name = "float32";
  if (dtype.is_string()) name = dtype.get<std::string>();
  // Keras 3 writes a dtype policy: {"class_name": "DTypePolicy", "config": {"name": ...}}.
  else if (dtype.is_object() && dtype.contains("config") && dtype["config"].contains("name"))
    name = dtype["config"]["name"].get<std::string>();
  static const std::map<std::string, DType> known = {
      {"float32", DType::Float32},  {"float64", DType::Float64},
      {"float16", DType::Float32},  {"mixed_float16", DType::Float32},
      {"bfloat16", DType::Float32}, {"mixed_bfloat16", DType::Float32},
      {"int32", DType::Int32},      {"int64", DType::Int64},
      {"uint8", DType::UInt8},      {"int8", DType::Int8},
      {"int16", DType::Int16},      {"bool", DType::Bool}};
  auto it = known.find(name);
  return it == known.end() ? DType::Float32 : it->second;
}

// The config entries a viewer may want to see as node attributes; kernels read the normalized
// ones LayerPlan sets, which take precedence.
std::map<std::string, Attribute> config_attributes(const json& config) {
  std::map<std::string, Attribute> out;
  if (!config.is_object()) return out;
  for (const auto& [key, v] : config.items()) {
    if (key == "name" || key == "trainable" || key == "dtype" || key == "batch_input_shape" ||
        ends_with(key, "_initializer") || ends_with(key, "_regularizer") ||
        ends_with(key, "_constraint"))
      continue;
    if (v.is_boolean())
      out[key] = int_attr(v.get<bool>());
    else if (v.is_number_integer())
      out[key] = int_attr(v.get<int64_t>());
    else if (v.is_number())
      out[key] = float_attr(v.get<double>());
    else if (v.is_string())
      out[key] = string_attr(v.get<std::string>());
    else if (v.is_array() && !v.empty()) {
      bool ints = true, numbers = true, strings = true;
      for (const json& e : v) {
        ints = ints && e.is_number_integer();
        numbers = numbers && e.is_number();
        strings = strings && e.is_string();
      }
      Attribute a;
      if (ints) {
        a.kind = Attribute::Kind::Ints;
        for (const json& e : v) a.ints.push_back(e.get<int64_t>());
      } else if (numbers) {
        a.kind = Attribute::Kind::Floats;
        for (const json& e : v) a.floats.push_back(e.get<double>());
      } else if (strings) {
        a.kind = Attribute::Kind::Strings;
        for (const json& e : v) a.strings.push_back(e.get<std::string>());
      } else {
        continue;
      }
      out[key] = std::move(a);
    }
  }
  return out;
}

// An input shape from a config list: null -> -1.
KShape shape_from_json(const json& shape, const std::string& where) {
  if (!shape.is_array()) throw Error(where + ": expected a shape list, got " + shape.dump());
  KShape out;
  for (const json& d : shape) {
    if (d.is_null())
      out.push_back(-1);
    else if (d.is_number_integer() && d.get<int64_t>() >= 0)
      out.push_back(d.get<int64_t>());
    else
      throw Error(where + ": expected a shape list, got " + shape.dump());
  }
  return out;
}

// An InputLayer's (or a Sequential first layer's) batch shape, if its config records one.
std::optional<KShape> recorded_batch_shape(const json& config, const std::string& where) {
  if (!config.is_object()) return std::nullopt;
  for (const char* key : {"batch_shape", "batch_input_shape"})
    if (config.contains(key) && config[key].is_array()) return shape_from_json(config[key], where);
  if (config.contains("input_shape") && config["input_shape"].is_array()) {
    KShape shape = shape_from_json(config["input_shape"], where);
    shape.insert(shape.begin(), -1);
    return shape;
  }
  return std::nullopt;
}

// Layers that can never run here, with the reason given to the user.
std::string unsupported_reason(const std::string& class_name) {
  if (class_name == "Lambda")
    return "a Lambda layer holds Python code, which layerscope never runs";
  if (class_name == "TFOpLambda" || class_name == "SlicingOpLambda")
    return "a TensorFlow op recorded as Python call, which layerscope does not run yet";
  if (class_name == "Masking")
    return "layerscope carries no masks between layers, and the recurrent layers after a Masking "
           "would compute other values without them";
  return "no implementation in layerscope (a custom layer, or a class not supported yet)";
}

class GraphBuilder {
 public:
  GraphBuilder(Graph& graph, std::string file, int keras_major)
      : graph_(graph), file_(std::move(file)), keras_major_(keras_major) {}

  // Lays out `container`. Top level (`given` empty): its inputs become the graph's inputs.
  // Nested: `given` feeds its inputs. Returns its output values.
  std::vector<int> expand(const Container& container, const std::vector<int>& given,
                          const std::string& name_prefix, const std::string& weight_prefix,
                          WeightStore& store) {
    return container.class_name == "Sequential"
               ? expand_sequential(container, given, name_prefix, weight_prefix, store)
               : expand_functional(container, given, name_prefix, weight_prefix, store);
  }

  // Every layer class in the model that cannot run, listed before anything is built: class ->
  // the layers using it, in order of first use.
  void check_classes(const Container& container, const std::string& prefix,
                     std::vector<std::pair<std::string, std::vector<std::string>>>& problems) {
    for (const LayerEntry& layer : container.layers) {
      if (layer.class_name == "InputLayer") continue;
      if (is_container_class(layer.class_name)) {
        const json entry = {{"class_name", layer.class_name}, {"config", *layer.config}};
        check_classes(parse_container(entry, file_), prefix + layer.name + "/", problems);
      } else if (!layer_specs().find(layer.class_name)) {
        auto it = std::find_if(problems.begin(), problems.end(),
                               [&](const auto& p) { return p.first == layer.class_name; });
        if (it == problems.end()) it = problems.insert(problems.end(), {layer.class_name, {}});
        it->second.push_back(prefix + layer.name);
      }
    }
  }

 private:
  int add_value(const std::string& name, const KShape& shape, ValueKind kind, DType dtype,
                bool input = false) {
    if (!names_.insert(name).second)
      throw Error(file_ + ": two tensors named '" + name + "' (layer names must be unique)");
    Value value;
    value.name = name;
    value.kind = kind;
    value.dtype = dtype;
    StaticShape static_shape;
    for (std::size_t d = 0; d < shape.size(); ++d) {
      Dim dim;
      if (shape[d] >= 0)
        dim.value = shape[d];
      else if (d == 0)
        dim.symbol = "batch";
      else if (input)
        dim.symbol = name + "_dim" + std::to_string(d);
      static_shape.push_back(dim);
    }
    value.shape = std::move(static_shape);
    graph_.values.push_back(std::move(value));
    shapes_.push_back(shape);
    return static_cast<int>(graph_.values.size()) - 1;
  }

  // Keras puts features last ([N, H, W, C] images, [N, steps, features] sequences) unless a
  // layer says data_format "channels_first".
  static Layout keras_layout(const KShape& shape, const json* config) {
    if (shape.size() < 3) return Layout::Unknown;
    const bool first = config && config->is_object() && config->contains("data_format") &&
                       (*config)["data_format"] == "channels_first";
    return first ? Layout::ChannelsFirst : Layout::ChannelsLast;
  }

  int add_input(const std::string& name, const KShape& shape, DType dtype) {
    const int v = add_value(name, shape, ValueKind::Input, dtype, true);
    graph_.values[v].layout = keras_layout(shape, nullptr);
    graph_.inputs.push_back(v);
    return v;
  }

  std::vector<int> expand_sequential(const Container& c, const std::vector<int>& given,
                                     const std::string& name_prefix,
                                     const std::string& weight_prefix, WeightStore& store) {
    const std::string where = file_ + ": Sequential model '" + c.name + "'";
    std::vector<int> current = given;
    if (given.empty()) {
      const LayerEntry* first = c.layers.empty() ? nullptr : &c.layers.front();
      if (!first) throw Error(where + " has no layers");
      std::optional<KShape> shape = recorded_batch_shape(*first->config, where);
      std::string name = first->class_name == "InputLayer" ? first->name : first->name + "_input";
      if (!shape && c.build_input_shape) shape = shape_from_json(*c.build_input_shape, where);
      if (!shape)
        throw Error(where +
                    " records no input shape (it was never built or called): the input "
                    "size is unknown");
      const json& cfg = *first->config;
      const DType dtype = first->class_name == "InputLayer" && cfg.contains("dtype")
                              ? dtype_from_keras(cfg["dtype"])
                              : DType::Float32;
      current = {add_input(name_prefix + name, *shape, dtype)};
    } else if (given.size() != 1) {
      throw Error(where + " takes one input, called with " + std::to_string(given.size()));
    }
    for (std::size_t i = 0; i < c.layers.size(); ++i) {
      if (c.layers[i].class_name == "InputLayer") continue;
      current = call_layer(c, i, current, {}, name_prefix + c.layers[i].name, name_prefix,
                           weight_prefix, store);
    }
    return current;
  }

  std::vector<int> expand_functional(const Container& c, const std::vector<int>& given,
                                     const std::string& name_prefix,
                                     const std::string& weight_prefix, WeightStore& store) {
    const std::string where = file_ + ": model '" + c.name + "'";
    std::map<std::pair<std::string, int>, std::vector<int>> produced;
    std::map<std::string, std::size_t> index_of;
    for (std::size_t i = 0; i < c.layers.size(); ++i) index_of[c.layers[i].name] = i;
    // References to a nested model's calls count its own construction as call 0 where Keras
    // serializes it so (Functional; Keras 2's Sequential built on an Input), so they are one
    // above the position in its inbound_nodes.
    auto key_of = [&](const TensorRef& ref) -> std::pair<std::string, int> {
      auto it = index_of.find(ref.layer);
      if (it == index_of.end()) return {ref.layer, ref.call};
      const LayerEntry& layer = c.layers[it->second];
      return {ref.layer, ref.call - first_call_offset(layer)};
    };
    if (!given.empty() && given.size() != c.inputs.size())
      throw Error(where + " takes " + std::to_string(c.inputs.size()) + " inputs, called with " +
                  std::to_string(given.size()));
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      const TensorRef& ref = c.inputs[i];
      auto it = index_of.find(ref.layer);
      if (it == index_of.end() || c.layers[it->second].class_name != "InputLayer")
        throw Error(where + ": input '" + ref.layer + "' is not an InputLayer of the model");
      int v;
      if (given.empty()) {
        const LayerEntry& layer = c.layers[it->second];
        const std::optional<KShape> shape = recorded_batch_shape(*layer.config, where);
        if (!shape) throw Error(where + ": InputLayer '" + ref.layer + "' records no shape");
        const json& cfg = *layer.config;
        v = add_input(name_prefix + ref.layer, *shape,
                      cfg.contains("dtype") ? dtype_from_keras(cfg["dtype"]) : DType::Float32);
      } else {
        v = given[i];
      }
      produced[{ref.layer, 0}] = {v};
    }
    // Calls in an order where each one's inputs exist (the config's order, mostly).
    std::vector<std::pair<std::size_t, int>> pending;
    for (std::size_t i = 0; i < c.layers.size(); ++i)
      if (c.layers[i].class_name != "InputLayer")
        for (int k = 0; k < static_cast<int>(c.layers[i].calls.size()); ++k)
          pending.emplace_back(i, k);
    while (!pending.empty()) {
      std::vector<std::pair<std::size_t, int>> waiting;
      for (const auto& [i, k] : pending) {
        const LayerEntry& layer = c.layers[i];
        const LayerCall& call = layer.calls[k];
        bool ready = true;
        for (const TensorRef& ref : call.inputs) ready = ready && produced.count(key_of(ref));
        if (!ready) {
          waiting.emplace_back(i, k);
          continue;
        }
        std::vector<int> inputs;
        for (const TensorRef& ref : call.inputs) {
          const std::vector<int>& outs = produced.at(key_of(ref));
          if (ref.tensor < 0 || ref.tensor >= static_cast<int>(outs.size()))
            throw Error(where + ": layer '" + layer.name + "' reads output " +
                        std::to_string(ref.tensor) + " of '" + ref.layer + "', which has " +
                        std::to_string(outs.size()));
          inputs.push_back(outs[ref.tensor]);
        }
        const std::string name = name_prefix + layer.name + (k ? "@" + std::to_string(k) : "");
        produced[{layer.name, k}] = call_layer(c, i, inputs, call.input_keywords, name, name_prefix,
                                               weight_prefix, store, &call.options);
      }
      if (waiting.size() == pending.size()) {
        const LayerEntry& stuck = c.layers[waiting.front().first];
        throw Error(where + ": layer '" + stuck.name +
                    "' reads a tensor no layer of the model produces (broken inbound_nodes)");
      }
      pending = std::move(waiting);
    }
    std::vector<int> outputs;
    for (const TensorRef& ref : c.outputs) {
      auto it = produced.find(key_of(ref));
      if (it == produced.end() || ref.tensor >= static_cast<int>(it->second.size()))
        throw Error(where + ": output '" + ref.layer + "' is never computed");
      outputs.push_back(it->second[ref.tensor]);
    }
    return outputs;
  }

  int first_call_offset(const LayerEntry& layer) const {
    if (layer.class_name == "Functional" || layer.class_name == "Model") return 1;
    if (layer.class_name != "Sequential" || keras_major_ >= 3) return 0;
    const json& config = *layer.config;
    const json* layers = config.is_array()                                 ? &config
                         : config.is_object() && config.contains("layers") ? &config["layers"]
                                                                           : nullptr;
    return layers && layers->is_array() && !layers->empty() &&
                   (*layers)[0].value("class_name", "") == "InputLayer"
               ? 1
               : 0;
  }

  std::vector<int> call_layer(const Container& c, std::size_t index, const std::vector<int>& inputs,
                              const std::vector<std::string>& keywords, const std::string& name,
                              const std::string& scope_prefix, const std::string& weight_prefix,
                              WeightStore& store, const json* options = nullptr) {
    const LayerEntry& layer = c.layers[index];
    const std::string owner = weight_prefix + layer.name;  // the same for every call
    if (is_container_class(layer.class_name)) {
      // Masks are not followed into nested models: padding is refused there.
      for (int v : inputs)
        if (auto m = mask_of_.find(v); m != mask_of_.end())
          graph_.nodes[mask_producer_.at(m->second)].attributes["mask_unhandled"] = int_attr(1);
      const json entry = {{"class_name", layer.class_name}, {"config", *layer.config}};
      const Container inner = parse_container(entry, file_);
      auto it = nested_stores_.find(owner);
      if (it == nested_stores_.end())
        it = nested_stores_.emplace(owner, store.nested(c, index)).first;
      // A frozen base model (transfer learning) freezes every layer inside it.
      const bool freezes = frozen_.empty() && !layer.config->value("trainable", true);
      if (freezes) frozen_ = owner;
      const std::vector<int> inner_outputs =
          expand(inner, inputs, name + "/", owner + "/", *it->second);
      if (freezes) frozen_.clear();
      // The nested model is a layer of its own too (`model.get_layer("base").output`): one node
      // that hands its last layers' outputs on under its name, at no cost.
      Node node = keras_node(name, inner.class_name, scope_prefix);
      node.inputs = inner_outputs;
      for (int source : inner_outputs)
        add_output(node, shapes_[source], graph_.values[source].dtype,
                   graph_.values[source].layout);
      graph_.nodes.push_back(std::move(node));
      return graph_.nodes.back().outputs;
    }
    const std::string where = file_ + ": layer '" + name + "' (" + layer.class_name + ")";
    const LayerSpecFn* spec = layer_specs().find(layer.class_name);
    if (!spec) throw Error(where + ": " + unsupported_reason(layer.class_name));
    std::vector<KShape> input_shapes;
    for (int v : inputs) input_shapes.push_back(shapes_[v]);
    LayerContext ctx(layer.class_name, *layer.config, input_shapes, keras_major_, where);
    ctx.input_keywords = keywords;
    ctx.call_options = options;
    LayerPlan plan = (*spec)(ctx);

    auto cached = weights_.find(owner);
    if (cached == weights_.end()) {
      const std::vector<Tensor> tensors = store.weights(c, index, plan.weights, where);
      std::vector<int> values;
      for (std::size_t w = 0; w < tensors.size(); ++w) {
        const WeightSpec& ws = plan.weights[w];
        const int v =
            add_value(owner + "/" + ws.name, ws.shape, ValueKind::Initializer, DType::Float32);
        graph_.values[v].shape = StaticShape();
        for (int64_t d : ws.shape) graph_.values[v].shape->push_back(Dim{d, ""});
        graph_.values[v].data = tensors[w];
        values.push_back(v);
        graph_.values[v].trainable =
            ws.trainable && frozen_.empty() && layer.config->value("trainable", true);
      }
      cached = weights_.emplace(owner, values).first;
    }

    Node node = keras_node(name, layer.class_name, scope_prefix);
    node.inputs = inputs;
    const int mask = take_mask(layer.class_name, inputs, node);
    const bool reads_mask = node.inputs.size() > inputs.size();
    node.inputs.insert(node.inputs.end(), cached->second.begin(), cached->second.end());
    node.attributes = config_attributes(*layer.config);
    for (auto& [key, attr] : plan.attributes) node.attributes[key] = std::move(attr);
    if (reads_mask) node.attributes["mask_input"] = int_attr(static_cast<int64_t>(inputs.size()));
    if (std::any_of(keywords.begin(), keywords.end(),
                    [](const std::string& k) { return !k.empty(); })) {
      Attribute a;
      a.kind = Attribute::Kind::Strings;
      for (const std::string& k : keywords) a.strings.push_back(k.empty() ? "-" : k);
      node.attributes["input_keywords"] = std::move(a);
    }
    for (std::size_t o = 0; o < plan.outputs.size(); ++o)
      add_output(node, plan.outputs[o],
                 o < plan.output_dtypes.size() ? plan.output_dtypes[o] : DType::Float32,
                 keras_layout(plan.outputs[o], layer.config));
    pass_mask(layer, inputs, mask, node);
    graph_.nodes.push_back(std::move(node));
    return graph_.nodes.back().outputs;
  }

  // A node of domain "keras" named as the layer, grouped under the nested models of
  // `scope_prefix` ("outer/").
  static Node keras_node(const std::string& name, const std::string& class_name,
                         const std::string& scope_prefix) {
    Node node;
    node.name = name;
    node.op_type = class_name;
    node.domain = "keras";
    node.scope = scope_prefix.empty() ? "" : scope_prefix.substr(0, scope_prefix.size() - 1);
    return node;
  }

  // The node's next output, named as the node (`name:k` after the first), as Keras names it.
  void add_output(Node& node, const KShape& shape, DType dtype, Layout layout) {
    const std::size_t k = node.outputs.size();
    node.outputs.push_back(add_value(k ? node.name + ":" + std::to_string(k) : node.name, shape,
                                     ValueKind::Intermediate, dtype));
    graph_.values[node.outputs.back()].layout = layout;
  }

  // Keras's masks: an Embedding with mask_zero=True marks its index-0 steps as padding, and the
  // mask travels with the tensor through layers that keep the time axis. Here a masked value maps
  // to the ids it comes from; the recurrent layers read those ids as one more input (after the
  // sequence and its initial states) and skip the padded steps as Keras does. Any other layer that
  // would use a mask makes the Embedding refuse padded inputs at run time instead.
  int take_mask(const std::string& class_name, const std::vector<int>& inputs, Node& node) {
    if (inputs.empty()) return -1;
    auto it = mask_of_.find(inputs[0]);
    if (it == mask_of_.end()) return -1;
    const int ids = it->second;
    if (class_name == "SimpleRNN" || class_name == "LSTM" || class_name == "GRU") {
      node.inputs.push_back(ids);  // read as the input after the sequence and its states
    } else if (class_name == "Bidirectional" || class_name == "GlobalAveragePooling1D" ||
               class_name == "GlobalMaxPooling1D" || class_name == "MultiHeadAttention" ||
               class_name == "Attention" || class_name == "AdditiveAttention") {
      graph_.nodes[mask_producer_.at(ids)].attributes["mask_unhandled"] = int_attr(1);
    }
    return ids;
  }

  void pass_mask(const LayerEntry& layer, const std::vector<int>& inputs, int mask,
                 const Node& node) {
    if (node.outputs.empty()) return;
    const std::string& cls = layer.class_name;
    if (cls == "Embedding" && layer.config->value("mask_zero", false)) {
      mask_of_[node.outputs[0]] = inputs.at(0);
      mask_producer_[inputs.at(0)] = static_cast<int>(graph_.nodes.size());
      return;
    }
    if (mask < 0) return;
    // Layers that keep the time axis pass the mask on, as Keras's supports_masking ones do.
    static const std::set<std::string> keep_mask = [] {
      std::set<std::string> classes = {"Activation",
                                       "Dense",
                                       "ReLU",
                                       "LeakyReLU",
                                       "ELU",
                                       "PReLU",
                                       "Softmax",
                                       "TimeDistributed",
                                       "LayerNormalization",
                                       "BatchNormalization",
                                       "Rescaling"};
      for (const std::string& name : keras_inference_identities()) classes.insert(name);
      return classes;
    }();
    const bool sequences = layer.config->value("return_sequences", false);
    if (keep_mask.count(cls) ||
        ((cls == "SimpleRNN" || cls == "LSTM" || cls == "GRU") && sequences))
      mask_of_[node.outputs[0]] = mask;
  }

  Graph& graph_;
  std::string file_;
  int keras_major_;
  std::vector<KShape> shapes_;  // per value
  std::set<std::string> names_;
  std::map<std::string, std::vector<int>> weights_;  // layer owner -> its weight values
  std::map<std::string, std::unique_ptr<WeightStore>> nested_stores_;
  std::string frozen_;          // the outermost nested model set trainable=false, while inside it
  std::map<int, int> mask_of_;  // masked value -> the token ids its mask comes from
  std::map<int, int> mask_producer_;  // token ids -> the Embedding node masking them
};

}  // namespace

void build_graph(const Container& top, const std::string& file, int keras_major, WeightStore& store,
                 Graph& graph) {
  GraphBuilder builder(graph, file, keras_major);
  std::vector<std::pair<std::string, std::vector<std::string>>> problems;
  builder.check_classes(top, "", problems);
  if (!problems.empty()) {
    // One clause per reason, each listing its classes with their first layer.
    std::size_t layers = 0;
    std::vector<std::pair<std::string, std::string>> by_reason;  // reason -> classes
    for (const auto& [class_name, names] : problems) {
      layers += names.size();
      const std::string reason = unsupported_reason(class_name);
      auto it = std::find_if(by_reason.begin(), by_reason.end(),
                             [&](const auto& r) { return r.first == reason; });
      if (it == by_reason.end()) it = by_reason.insert(by_reason.end(), {reason, ""});
      it->second += (it->second.empty() ? "" : ", ") + class_name + " ('" + names.front() + "'" +
                    (names.size() > 1 ? " and " + std::to_string(names.size() - 1) + " more" : "") +
                    ")";
    }
    std::string text;
    for (const auto& [reason, classes] : by_reason)
      text += (text.empty() ? " " : "; ") + classes + ": " + reason;
    throw Error(std::to_string(layers) + " layer" + (layers == 1 ? "" : "s") + " in " + file +
                " cannot run:" + text);
  }
  graph.outputs = builder.expand(top, {}, "", "", store);
  graph.reindex();
}

}  // namespace layerscope::keras
