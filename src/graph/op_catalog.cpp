#include "graph/op_catalog.h"

#include <initializer_list>
#include <unordered_map>
#include <unordered_set>

namespace layerscope {
namespace {

using CategoryTable = std::unordered_map<std::string, OpCategory>;

CategoryTable onnx_categories() {
  CategoryTable m;
  auto put = [&m](OpCategory c, std::initializer_list<const char*> ops) {
    for (const char* op : ops) m.emplace(op, c);
  };
  put(OpCategory::Convolution,
      {"Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "DeformConv", "FusedConv"});
  put(OpCategory::Linear, {"Gemm", "MatMul", "MatMulInteger", "QLinearMatMul", "Einsum", "LSTM",
                           "GRU", "RNN", "Attention", "FusedMatMul"});
  put(OpCategory::Normalization,
      {"BatchNormalization", "LayerNormalization", "InstanceNormalization", "GroupNormalization",
       "LpNormalization", "MeanVarianceNormalization", "LRN", "SkipLayerNormalization"});
  put(OpCategory::Activation,
      {"Relu",    "LeakyRelu",  "PRelu",    "Sigmoid",   "HardSigmoid", "Tanh",
       "Softmax", "LogSoftmax", "Softplus", "Softsign",  "Elu",         "Selu",
       "Celu",    "Gelu",       "FastGelu", "HardSwish", "Mish",        "ThresholdedRelu",
       "Hardmax", "Clip",       "Erf"});
  put(OpCategory::Pooling, {"MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool",
                            "LpPool", "GlobalLpPool", "MaxRoiPool", "RoiAlign", "MaxUnpool"});
  put(OpCategory::Shape, {"Reshape",
                          "Flatten",
                          "Transpose",
                          "Squeeze",
                          "Unsqueeze",
                          "Concat",
                          "Split",
                          "Slice",
                          "Gather",
                          "GatherElements",
                          "GatherND",
                          "Scatter",
                          "ScatterElements",
                          "ScatterND",
                          "Shape",
                          "Size",
                          "Expand",
                          "Tile",
                          "Pad",
                          "Resize",
                          "Upsample",
                          "DepthToSpace",
                          "SpaceToDepth",
                          "Identity",
                          "Cast",
                          "CastLike",
                          "ConstantOfShape",
                          "Range",
                          "OneHot",
                          "NonZero",
                          "TopK",
                          "Compress",
                          "Trilu",
                          "ReverseSequence",
                          "SequenceConstruct",
                          "SplitToSequence"});
  put(OpCategory::Elementwise, {"Add",
                                "Sub",
                                "Mul",
                                "Div",
                                "Pow",
                                "Sqrt",
                                "Exp",
                                "Log",
                                "Abs",
                                "Neg",
                                "Reciprocal",
                                "Floor",
                                "Ceil",
                                "Round",
                                "Sign",
                                "Min",
                                "Max",
                                "Sum",
                                "Mean",
                                "Mod",
                                "Where",
                                "Equal",
                                "Less",
                                "LessOrEqual",
                                "Greater",
                                "GreaterOrEqual",
                                "And",
                                "Or",
                                "Xor",
                                "Not",
                                "Sin",
                                "Cos",
                                "Tan",
                                "Asin",
                                "Acos",
                                "Atan",
                                "Sinh",
                                "Cosh",
                                "Asinh",
                                "Acosh",
                                "Atanh",
                                "IsNaN",
                                "IsInf",
                                "BitShift",
                                "ReduceSum",
                                "ReduceMean",
                                "ReduceMax",
                                "ReduceMin",
                                "ReduceProd",
                                "ReduceL1",
                                "ReduceL2",
                                "ReduceLogSum",
                                "ReduceLogSumExp",
                                "ReduceSumSquare",
                                "ArgMax",
                                "ArgMin",
                                "CumSum",
                                "Dropout",
                                "QuantizeLinear",
                                "DequantizeLinear"});
  put(OpCategory::ControlFlow, {"If", "Loop", "Scan", "SequenceMap"});
  return m;
}

// Keras layer classes by what they compute, as Keras' own docs group them (Keras 3 class names;
// Keras 2 ones are the same).
CategoryTable keras_categories() {
  CategoryTable m;
  auto put = [&m](OpCategory c, std::initializer_list<const char*> ops) {
    for (const char* op : ops) m.emplace(op, c);
  };
  put(OpCategory::Convolution,
      {"Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
       "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "ConvLSTM1D",
       "ConvLSTM2D", "ConvLSTM3D", "LocallyConnected1D", "LocallyConnected2D"});
  put(OpCategory::Linear,
      {"Dense", "EinsumDense", "Embedding", "SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional",
       "MultiHeadAttention", "GroupQueryAttention", "Attention", "AdditiveAttention", "Dot"});
  put(OpCategory::Normalization, {"BatchNormalization", "LayerNormalization", "GroupNormalization",
                                  "UnitNormalization", "SpectralNormalization", "Normalization"});
  put(OpCategory::Activation,
      {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU"});
  put(OpCategory::Pooling,
      {"MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
       "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
       "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"});
  put(OpCategory::Shape,
      {"Flatten", "Reshape", "Permute", "RepeatVector", "Concatenate", "Cropping1D", "Cropping2D",
       "Cropping3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "UpSampling1D",
       "UpSampling2D", "UpSampling3D", "Resizing", "CenterCrop", "InputLayer"});
  put(OpCategory::Elementwise,
      {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Rescaling", "Dropout",
       "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
       "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Masking"});
  put(OpCategory::ControlFlow, {"TimeDistributed"});
  return m;
}

// TensorFlow ops (domain "tensorflow", op = the TF op name) by what their ONNX and Keras
// counterparts are: a reduction is elementwise, as ONNX's Reduce* are; identities and Cast are
// shape ops, as ONNX's Identity and Cast are; BiasAdd is elementwise (ONNX has it as an Add).
CategoryTable tensorflow_categories() {
  CategoryTable m;
  auto put = [&m](OpCategory c, std::initializer_list<const char*> ops) {
    for (const char* op : ops) m.emplace(op, c);
  };
  put(OpCategory::Convolution, {"Conv2D", "Conv3D", "DepthwiseConv2dNative", "Conv2DBackpropInput",
                                "Conv3DBackpropInputV2"});
  put(OpCategory::Linear, {"MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum"});
  put(OpCategory::Normalization, {"FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", "LRN"});
  put(OpCategory::Activation,
      {"Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus", "Softsign",
       "Softmax", "LogSoftmax", "ClipByValue", "Erf"});
  put(OpCategory::Pooling, {"MaxPool", "MaxPoolV2", "AvgPool", "MaxPool3D", "AvgPool3D"});
  put(OpCategory::Shape, {"Reshape",
                          "Squeeze",
                          "ExpandDims",
                          "Transpose",
                          "ConcatV2",
                          "Concat",
                          "Pack",
                          "Unpack",
                          "Split",
                          "SplitV",
                          "Slice",
                          "StridedSlice",
                          "Pad",
                          "PadV2",
                          "MirrorPad",
                          "Shape",
                          "ShapeN",
                          "Size",
                          "Rank",
                          "Fill",
                          "Range",
                          "Tile",
                          "GatherV2",
                          "Gather",
                          "GatherNd",
                          "Where",
                          "ResizeBilinear",
                          "ResizeNearestNeighbor",
                          "SpaceToBatchND",
                          "BatchToSpaceND",
                          "DepthToSpace",
                          "SpaceToDepth",
                          "BroadcastTo",
                          "ZerosLike",
                          "OnesLike",
                          "OneHot",
                          "ReverseV2",
                          "TopKV2",
                          "Identity",
                          "IdentityN",
                          "StopGradient",
                          "PreventGradient",
                          "Snapshot",
                          "ReadVariableOp",
                          "PlaceholderWithDefault",
                          "Cast"});
  put(OpCategory::Elementwise, {"Add",
                                "AddV2",
                                "AddN",
                                "Sub",
                                "Mul",
                                "Div",
                                "RealDiv",
                                "TruncateDiv",
                                "FloorDiv",
                                "FloorMod",
                                "Maximum",
                                "Minimum",
                                "SquaredDifference",
                                "Pow",
                                "Square",
                                "Sqrt",
                                "Rsqrt",
                                "Exp",
                                "Expm1",
                                "Log",
                                "Log1p",
                                "Neg",
                                "Abs",
                                "Sign",
                                "Floor",
                                "Ceil",
                                "Round",
                                "Reciprocal",
                                "Inv",
                                "Sin",
                                "Cos",
                                "Tan",
                                "Asin",
                                "Acos",
                                "Atan",
                                "Sinh",
                                "Cosh",
                                "Greater",
                                "GreaterEqual",
                                "Less",
                                "LessEqual",
                                "Equal",
                                "NotEqual",
                                "LogicalAnd",
                                "LogicalOr",
                                "LogicalNot",
                                "IsNan",
                                "IsInf",
                                "IsFinite",
                                "Select",
                                "SelectV2",
                                "BiasAdd",
                                "BiasAddV1",
                                "Sum",
                                "Mean",
                                "Max",
                                "Min",
                                "Prod",
                                "All",
                                "Any",
                                "ArgMax",
                                "ArgMin"});
  put(OpCategory::ControlFlow,
      {"Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond", "If", "StatelessIf",
       "While", "StatelessWhile", "PartitionedCall", "StatefulPartitionedCall"});
  return m;
}

// Named dimensions (batch, sequence) count as 1, so MACs are per item as torchinfo reports them
// for batch 1; an unknown dimension makes the shape unknown.
std::optional<std::vector<int64_t>> known_shape(const Graph& graph, int value) {
  if (value < 0) return std::nullopt;
  const auto& shape = graph.values[value].shape;
  if (!shape) return std::nullopt;
  std::vector<int64_t> dims;
  for (const Dim& d : *shape) {
    if (!d.known() && d.symbol.empty()) return std::nullopt;
    dims.push_back(d.known() ? d.value : 1);
  }
  return dims;
}

int64_t product(const std::vector<int64_t>& dims, std::size_t from = 0) {
  int64_t p = 1;
  for (std::size_t i = from; i < dims.size(); ++i) p *= dims[i];
  return p;
}

// TensorFlow's MatMul (transpose_a) and BatchMatMul* (adj_x): each output element sums the
// inner dimension's products; the convolutions: each output element sums a filter window.
template <typename Input>
std::optional<int64_t> tensorflow_macs(const Node& node, const Input& input,
                                       const std::optional<std::vector<int64_t>>& output) {
  const std::string& op = node.op_type;
  const auto a = input(0);
  if (!a || !output) return std::nullopt;
  if (op == "MatMul") {
    if (a->size() != 2) return std::nullopt;
    return product(*output) * (node.attr_int("transpose_a", 0) ? (*a)[0] : (*a)[1]);
  }
  if (op == "BatchMatMul" || op == "BatchMatMulV2" || op == "BatchMatMulV3") {
    if (a->size() < 2) return std::nullopt;
    return product(*output) * (node.attr_int("adj_x", 0) ? (*a)[a->size() - 2] : a->back());
  }
  // The convolutions' filters are (spatial..., in, out), depthwise ones (spatial..., C,
  // multiplier).
  const auto w = input(1);
  if (!w || w->size() < 3 || w->back() == 0) return std::nullopt;
  // Conv2D/3D: each output element sums the filter's elements over one output channel.
  if (op == "Conv2D" || op == "Conv3D") return product(*output) * (product(*w) / w->back());
  // Transposed (input 0 is input_sizes): each out_backprop element meets the filter's
  // (spatial..., in) for its channel.
  if (op == "Conv2DBackpropInput" || op == "Conv3DBackpropInputV2") {
    const auto dy = input(2);
    return dy ? std::optional<int64_t>(product(*dy) * (product(*w) / w->back())) : std::nullopt;
  }
  // Depthwise: each output element sums its spatial window.
  const int64_t mid_channels = w->back() * (*w)[w->size() - 2];
  if (op == "DepthwiseConv2dNative" && mid_channels > 0)
    return product(*output) * (product(*w) / mid_channels);
  return std::nullopt;
}

// Multiply-accumulates of the ops that dominate compute.
std::optional<int64_t> macs_of(const Graph& graph, const Node& node) {
  auto input = [&](std::size_t i) {
    return i < node.inputs.size() ? known_shape(graph, node.inputs[i]) : std::nullopt;
  };
  const auto output = node.outputs.empty() ? std::nullopt : known_shape(graph, node.outputs[0]);
  if (node.domain == "tensorflow") return tensorflow_macs(node, input, output);
  if (node.domain == "keras") {
    const std::string& op = node.op_type;
    const auto w = input(1);
    if (!w || !output || w->size() < 2 || w->back() == 0) return std::nullopt;
    // Dense and ConvND: each output element sums the kernel's elements over one output channel
    // (the kernel's last dimension).
    if (op == "Dense" || op == "Conv1D" || op == "Conv2D" || op == "Conv3D")
      return product(*output) * (product(*w) / w->back());
    // Transposed: each input element meets the kernel's (k..., filters) for its channel.
    if (op == "Conv1DTranspose" || op == "Conv2DTranspose" || op == "Conv3DTranspose") {
      const auto x = input(0);
      return x ? std::optional<int64_t>(product(*x) * (product(*w) / w->back())) : std::nullopt;
    }
    // Depthwise kernel (k..., C, multiplier): each output element sums its k... window.
    const int64_t mid_channels = w->back() * (*w)[w->size() - 2];
    if (mid_channels == 0) return std::nullopt;
    const int64_t window = product(*w) / mid_channels;
    if (op == "DepthwiseConv1D" || op == "DepthwiseConv2D") return product(*output) * window;
    if (op == "SeparableConv1D" || op == "SeparableConv2D") {
      // The depthwise pass makes C * multiplier channels of the output's size, each a window sum;
      // the pointwise pass sums those C * multiplier per output element.
      const int64_t pixels =
          output->empty() || output->back() == 0 ? 0 : product(*output) / output->back();
      return pixels * mid_channels * window + product(*output) * mid_channels;
    }
    return std::nullopt;
  }
  if (node.op_type == "Conv") {
    // Each output element sums (Cin/group) x kernel products: the weight's dims after the first.
    const auto w = input(1);
    if (!w || !output || w->size() < 2) return std::nullopt;
    return product(*output) * product(*w, 1);
  }
  if (node.op_type == "ConvTranspose") {
    const auto x = input(0), w = input(1);
    if (!x || !w || w->size() < 2) return std::nullopt;
    return product(*x) * product(*w, 1);
  }
  if (node.op_type == "Gemm") {
    const auto a = input(0);
    if (!a || !output || a->size() != 2) return std::nullopt;
    const int64_t k = node.attr_int("transA", 0) ? (*a)[0] : (*a)[1];
    return product(*output) * k;
  }
  if (node.op_type == "MatMul") {
    const auto a = input(0);
    if (!a || !output || a->empty()) return std::nullopt;
    return product(*output) * a->back();
  }
  return std::nullopt;
}

}  // namespace

OpCategory op_category(const std::string& domain, const std::string& op_type) {
  static const CategoryTable onnx = onnx_categories();
  static const CategoryTable keras = keras_categories();
  static const CategoryTable tensorflow = tensorflow_categories();
  // Every other domain (com.microsoft and the like) names ONNX-style ops.
  const CategoryTable& table = domain == "keras"        ? keras
                               : domain == "tensorflow" ? tensorflow
                                                        : onnx;
  auto it = table.find(op_type);
  return it == table.end() ? OpCategory::Other : it->second;
}

const char* category_name(OpCategory category) {
  switch (category) {
    case OpCategory::Convolution:
      return "convolution";
    case OpCategory::Linear:
      return "linear";
    case OpCategory::Normalization:
      return "normalization";
    case OpCategory::Activation:
      return "activation";
    case OpCategory::Pooling:
      return "pooling";
    case OpCategory::Shape:
      return "shape";
    case OpCategory::Elementwise:
      return "elementwise";
    case OpCategory::ControlFlow:
      return "control flow";
    case OpCategory::Other:
      break;
  }
  return "other";
}

bool counts_macs(const Node& node) {
  static const std::unordered_set<std::string> onnx = {"Conv", "ConvTranspose", "Gemm", "MatMul"};
  static const std::unordered_set<std::string> keras = {
      "Dense",           "Conv1D",          "Conv2D",          "Conv3D",
      "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "DepthwiseConv1D",
      "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"};
  static const std::unordered_set<std::string> tensorflow = {
      "MatMul", "BatchMatMul",           "BatchMatMulV2",       "BatchMatMulV3",        "Conv2D",
      "Conv3D", "DepthwiseConv2dNative", "Conv2DBackpropInput", "Conv3DBackpropInputV2"};
  const auto& ops = node.domain == "keras"        ? keras
                    : node.domain == "tensorflow" ? tensorflow
                                                  : onnx;
  return ops.count(node.op_type) > 0;
}

const std::vector<std::string>& keras_inference_identities() {
  static const std::vector<std::string> classes = {
      "Dropout",        "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
      "GaussianNoise",  "GaussianDropout",  "AlphaDropout",     "ActivityRegularization",
      "RandomFlip",     "RandomRotation",   "RandomZoom",       "RandomTranslation",
      "RandomContrast", "RandomBrightness", "RandomHeight",     "RandomWidth"};
  return classes;
}

std::optional<int64_t> op_macs(const Graph& graph, const Node& node) {
  return counts_macs(node) ? macs_of(graph, node) : std::nullopt;
}

}  // namespace layerscope
