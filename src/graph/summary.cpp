#include <layerscope/summary.h>

#include <set>

namespace layerscope {
namespace {

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

// Multiply-accumulates of the ops that dominate compute.
std::optional<int64_t> count_macs(const Graph& graph, const Node& node) {
  auto input = [&](std::size_t i) {
    return i < node.inputs.size() ? known_shape(graph, node.inputs[i]) : std::nullopt;
  };
  const auto output = node.outputs.empty() ? std::nullopt : known_shape(graph, node.outputs[0]);
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

bool is_macs_op(const Node& node) {
  const std::string& op = node.op_type;
  if (node.domain == "keras")
    return op == "Dense" || op == "Conv1D" || op == "Conv2D" || op == "Conv3D" ||
           op == "Conv1DTranspose" || op == "Conv2DTranspose" || op == "Conv3DTranspose" ||
           op == "DepthwiseConv1D" || op == "DepthwiseConv2D" || op == "SeparableConv1D" ||
           op == "SeparableConv2D";
  return op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "MatMul";
}

}  // namespace

ModelSummary summarize(const Model& model) {
  const Graph& graph = model.graph;
  ModelSummary summary;
  std::set<int> counted;
  for (const Node& node : graph.nodes) {
    NodeSummary s;
    s.name = node.name;
    s.op = node.op_type;
    s.scope = node.scope;
    for (int v : node.outputs) {
      if (v < 0) continue;
      s.outputs.push_back(graph.values[v].name);
      s.shapes.push_back(graph.values[v].shape);
      s.dtypes.push_back(graph.values[v].dtype);
    }
    for (int v : node.inputs) {
      if (v < 0 || graph.values[v].kind != ValueKind::Initializer) continue;
      const Tensor& data = graph.values[v].data;
      s.parameters += data.numel();
      if (counted.insert(v).second) {
        summary.total_parameters += data.numel();
        (graph.values[v].trainable ? summary.trainable_parameters
                                   : summary.non_trainable_parameters) += data.numel();
        summary.parameter_bytes += static_cast<int64_t>(data.nbytes());
      }
    }
    s.macs = count_macs(graph, node);
    if (s.macs)
      summary.total_macs += *s.macs;
    else if (is_macs_op(node))
      ++summary.nodes_without_macs;
    summary.nodes.push_back(std::move(s));
  }
  return summary;
}

}  // namespace layerscope
