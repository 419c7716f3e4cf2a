#pragma once
// What layerscope knows about an op beyond running it, in one place for every reader: its colour
// class (graph drawings, reports) and its multiply-accumulate count (summary). Ops are keyed by
// domain and type: the ONNX operators (and onnxruntime's com.microsoft fusions), the Keras
// layer classes (domain "keras", op = class name) the Keras frontend makes nodes of, and the
// TensorFlow ops (domain "tensorflow", op = the TF op name).
//
//   op_category("keras", "Conv2D") == OpCategory::Convolution
//   std::optional<int64_t> macs = op_macs(graph, node);  // Conv/Gemm/MatMul, Dense/Conv*, MatMul
#include <layerscope/graph.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerscope {

enum class OpCategory {
  Convolution,
  Linear,
  Normalization,
  Activation,
  Pooling,
  Shape,
  Elementwise,
  ControlFlow,
  Other,
};

OpCategory op_category(const std::string& domain, const std::string& op_type);
const char* category_name(OpCategory category);  // "convolution", "linear", ...

// Whether the node is an op whose MACs layerscope counts (Conv, ConvTranspose, Gemm, MatMul;
// Keras Dense and the convolutions: plain, transposed, depthwise, separable; TensorFlow's MatMul,
// BatchMatMul*, Conv2D/3D, DepthwiseConv2dNative and Conv2D/3D backprop-input convolutions).
bool counts_macs(const Node& node);
// Keras layer classes that pass their input through at inference: dropout and noise act only in
// training, the random augmentations only when training, ActivityRegularization adds a loss. The
// Keras frontend gives them their shapes and the runtime one pass-through kernel from this list.
const std::vector<std::string>& keras_inference_identities();

// Its multiply-accumulates from the static shapes (named dimensions such as batch count as 1), or
// nullopt when it does not count them or a shape it needs is unknown.
std::optional<int64_t> op_macs(const Graph& graph, const Node& node);

}  // namespace layerscope
