#pragma once
// The ONNX frontend: reads a .onnx file into the graph IR.
//
//   layerscope::Model model = layerscope::load_onnx("resnet50.onnx");
//
// The model is checked with ONNX's checker and its shapes inferred. Weights stored as external
// data are read from files in the model's folder; a location that resolves outside that folder
// (absolute, "..", or a symlink pointing out) is refused.
#include <layerscope/graph.h>
#include <layerscope/tensor.h>

#include <cstddef>
#include <string>

namespace layerscope {

struct OnnxLoadOptions {
  bool check = true;         // run onnx::checker
  bool infer_shapes = true;  // run ONNX shape inference (with data propagation)
};

// Throws Error naming the file and the problem (unreadable, corrupt, failing the checker, ...).
Model load_onnx(const std::string& path, const OnnxLoadOptions& options = {});

// Reads a serialized ONNX TensorProto (.pb, as in ONNX's test data). `name` receives the tensor's
// name if it has one.
Tensor load_onnx_tensor(const std::string& path, std::string* name = nullptr);

// Formal name of a node's input in ONNX's operator schema at that opset ("W" for Conv's input
// 1; a variadic last input names all that follow), or "" when the schema is unknown.
std::string onnx_input_name(const Node& node, int opset, std::size_t input);

}  // namespace layerscope
