#pragma once
// A Keras model's architecture as its config JSON describes it, with the differences between
// Keras 2 (tf.keras, the `model_config` of an .h5) and Keras 3 (config.json of a .keras) read
// away: a container (Sequential or Functional) of layers, each layer with its calls and the
// tensors each call reads.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace layerscope::keras {

// Output `tensor` of call `call` of layer `layer` (Keras's keras_history / inbound node entry).
struct TensorRef {
  std::string layer;
  int call = 0;
  int tensor = 0;
};

struct LayerCall {
  std::vector<TensorRef> inputs;  // positional tensors first, then tensor keyword arguments
  std::vector<std::string> input_keywords;  // "" for positional, else the keyword ("value")
  nlohmann::json options = nlohmann::json::object();  // keyword arguments that are not tensors
};

struct LayerEntry {
  std::string class_name;
  std::string name;
  const nlohmann::json* config = nullptr;  // the layer's own config (points into the document)
  std::vector<LayerCall> calls;            // Functional only
};

struct Container {
  std::string class_name;  // "Sequential" or "Functional"
  std::string name;
  std::vector<LayerEntry> layers;
  std::vector<TensorRef> inputs, outputs;  // Functional only
  // Sequential: the input shape recorded for the model when it has no InputLayer (Keras 3's
  // build_input_shape, Keras 2's first layer batch_input_shape); null if none.
  const nlohmann::json* build_input_shape = nullptr;
};

bool is_container_class(const std::string& class_name);  // Sequential, Functional, Model

// Parses a model entry {"class_name": ..., "config": ...}. `where` prefixes errors.
Container parse_container(const nlohmann::json& entry, const std::string& where);

}  // namespace layerscope::keras
