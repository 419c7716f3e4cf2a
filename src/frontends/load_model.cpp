// Opening a model by its content: ONNX protobufs, Keras HDF5 files and .keras archives.
#include <layerscope/keras.h>
#include <layerscope/model.h>
#include <layerscope/onnx.h>

namespace layerscope {

Model load_model(const std::string& path, const ModelLoadOptions& options) {
  // An ONNX file is a protobuf with no magic number; the formats that have one are told first.
  if (looks_like_keras(path)) return load_keras(path, {.config_path = options.keras_config});
  return load_onnx(path);
}

std::string formal_input_name(const Graph& graph, const Node& node, std::size_t input) {
  if (node.domain == "keras") {
    // The Keras frontend names a weight <layer path>/<variable>: "block/conv/kernel".
    if (input >= node.inputs.size() || node.inputs[input] < 0) return "";
    const Value& value = graph.values[node.inputs[input]];
    if (value.kind != ValueKind::Initializer) return "";
    return value.name.substr(value.name.rfind('/') + 1);
  }
  return onnx_input_name(node, graph.opset_of(node), input);
}

}  // namespace layerscope
