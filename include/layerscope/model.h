#pragma once
// Opening a model whatever its format, recognised by content:
//
//   layerscope::Model model = layerscope::load_model("model.h5");  // or .onnx, .keras, .pb
//
// ONNX protobufs go to load_onnx, HDF5 files and zip archives to load_keras, GraphDefs and
// SavedModel directories to load_tensorflow.
#include <layerscope/graph.h>

#include <string>

namespace layerscope {

struct ModelLoadOptions {
  std::string keras_config;  // KerasLoadOptions::config_path, for Keras weights-only files
  std::string signature;     // TensorFlowLoadOptions::signature, for SavedModels
};

Model load_model(const std::string& path, const ModelLoadOptions& options = {});

// The name a user knows input `input` of `node` by, for labels: ONNX's formal name from the op
// schema at the graph's opset ("W" for Conv's input 1), a Keras layer's variable name for its
// weights ("kernel", "bias", "moving_mean"); "" when not known (a Keras layer's tensor inputs).
std::string formal_input_name(const Graph& graph, const Node& node, std::size_t input);

}  // namespace layerscope
