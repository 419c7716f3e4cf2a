// Opening a model by its content: ONNX protobufs, Keras HDF5 files and .keras archives,
// TensorFlow GraphDefs and SavedModel directories.
#include <layerscope/keras.h>
#include <layerscope/model.h>
#include <layerscope/onnx.h>
#include <layerscope/tensorflow.h>

namespace layerscope {

Model load_model(const std::string& path, const ModelLoadOptions& options) {
  // An ONNX file is a protobuf with no magic number; the formats that have one are told first.
  if (looks_like_keras(path)) return load_keras(path, {.config_path = options.keras_config});
  if (looks_like_tensorflow(path)) return load_tensorflow(path, {.signature = options.signature});
  return load_onnx(path);
}

std::string formal_input_name(const Graph& graph, const Node& node, std::size_t input) {
  if (node.domain == "keras" || node.domain == "tensorflow") {
    // The Keras frontend names a weight <layer path>/<variable>: "block/conv/kernel"; TF names
    // its constants and variables the same way.
    if (input >= node.inputs.size() || node.inputs[input] < 0) return "";
    const Value& value = graph.values[node.inputs[input]];
    if (value.kind != ValueKind::Initializer) return "";
    return value.name.substr(value.name.rfind('/') + 1);
  }
  return onnx_input_name(node, graph.opset_of(node), input);
}

}  // namespace layerscope
