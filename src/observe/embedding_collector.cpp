#include <layerscope/embedding_collector.h>
#include <layerscope/error.h>

#include <algorithm>
#include <cstring>

namespace layerscope {
namespace {

// Output ops whose values only rescale the logits before them: the default passes over them.
bool squashes_logits(const Node& node) {
  return node.op_type == "Softmax" || node.op_type == "LogSoftmax";
}

std::string shape_text(const Shape& shape) { return "[" + shape_string(shape) + "]"; }

// Names of node outputs whose static shape has rank 2, for messages.
std::string rank2_outputs(const Graph& graph) {
  std::string text;
  int listed = 0, total = 0;
  for (const Node& node : graph.nodes)
    for (int v : node.outputs) {
      if (v < 0 || !graph.values[v].shape || graph.values[v].shape->size() != 2) continue;
      ++total;
      if (listed < 8) {
        text += (listed ? ", " : "") + graph.values[v].name;
        ++listed;
      }
    }
  if (total == 0) return "none";
  if (total > listed) text += ", ... (" + std::to_string(total) + " in all)";
  return text;
}

void append_as_floats(const Tensor& tensor, const std::string& name, std::vector<float>& out) {
  const std::size_t n = static_cast<std::size_t>(tensor.numel());
  const std::size_t start = out.size();
  if (tensor.dtype() == DType::Float32) {
    out.resize(start + n);
    std::memcpy(out.data() + start, tensor.data<float>(), n * sizeof(float));
    return;
  }
  const DType dtype = tensor.dtype();
  if (dtype == DType::String || dtype == DType::Complex64 || dtype == DType::Complex128 ||
      dtype == DType::Undefined)
    throw Error("embedding layer '" + name + "' is " + dtype_name(dtype) +
                "; expected real numbers");
  for (double v : to_doubles(tensor)) out.push_back(static_cast<float>(v));
}

}  // namespace

EmbeddingCollector::EmbeddingCollector(std::string layer) : layer_(std::move(layer)) {}

void EmbeddingCollector::check(const Graph& graph) const {
  if (layer_.empty()) return;
  int v = -1;
  const int n = graph.find_node(layer_);
  if (n >= 0) {
    for (int output : graph.nodes[n].outputs)
      if (output >= 0) {
        v = output;
        break;
      }
    if (v < 0) throw Error("node '" + layer_ + "' has no outputs to take an embedding from");
  } else {
    v = graph.find_value(layer_);
    if (v < 0)
      throw Error("no node or tensor named '" + layer_ +
                  "' in the model; its rank-2 layer outputs: " + rank2_outputs(graph));
    if (graph.values[v].producer < 0)
      throw Error("'" + layer_ +
                  "' is a model input or weight, not a layer output; rank-2 layer outputs: " +
                  rank2_outputs(graph));
  }
  const Value& value = graph.values[v];
  if (value.shape && value.shape->size() < 2)
    throw Error("layer output '" + value.name + "' is " + static_shape_string(value.shape) +
                "; an embedding needs one row per batch item: [N, D] or more dimensions");
}

void EmbeddingCollector::begin_run(int64_t batch_size) {
  batch_size_ = batch_size;
  candidate_ = Tensor();
  candidate_name_.clear();
}

bool EmbeddingCollector::wants(const Graph& graph, const Node& node) {
  const std::string& target = !tensor_name_.empty() ? tensor_name_ : layer_;
  if (target.empty()) return true;  // the default choice looks at every output
  if (node.name == target && tensor_name_.empty()) return true;
  for (int v : node.outputs)
    if (v >= 0 && graph.values[v].name == target) return true;
  return false;
}

ObserverAction EmbeddingCollector::on_value(const Value& value, const Tensor& tensor,
                                            const RunContext& context) {
  bool take = false;
  if (!tensor_name_.empty()) {
    take = value.name == tensor_name_;
  } else if (!layer_.empty()) {
    const Node& node = context.node;
    const int first = node.outputs.empty() ? -1 : node.outputs[0];
    take = value.name == layer_ ||
           (node.name == layer_ && first >= 0 && context.graph.values[first].name == value.name);
  } else {
    take = dtype_is_floating(tensor.dtype()) && tensor.rank() == 2 &&
           tensor.shape()[0] == batch_size_ && tensor.shape()[1] > 0 &&
           !squashes_logits(context.node);
  }
  if (take) {
    candidate_ = tensor;  // a handle: the buffer stays alive until end_run
    candidate_name_ = value.name;
  }
  return ObserverAction::Continue;
}

bool EmbeddingCollector::end_run() {
  const Tensor tensor = candidate_;
  const std::string name = candidate_name_;
  candidate_ = Tensor();
  if (!tensor.defined()) {
    if (layer_.empty() && tensor_name_.empty()) return false;
    throw Error("embedding layer '" + (tensor_name_.empty() ? layer_ : tensor_name_) +
                "' was not computed in this run");
  }
  const Shape& shape = tensor.shape();
  if (tensor.rank() < 2 || shape[0] != batch_size_)
    throw Error("embedding layer '" + name + "' is " + shape_text(shape) +
                "; expected [N, D] or more dimensions with N = " + std::to_string(batch_size_) +
                ", the run's batch size, so that each input item gives one row");
  const int64_t dims = tensor.numel() / batch_size_;
  if (dims < 1) throw Error("embedding layer '" + name + "' is " + shape_text(shape) + ": empty");
  if (rows_ > 0 && dims != dims_)
    throw Error("embedding layer '" + name + "' has " + std::to_string(dims) +
                " values per item in this run and " + std::to_string(dims_) + " before");
  append_as_floats(tensor, name, values_);
  tensor_name_ = name;
  dims_ = dims;
  rows_ += batch_size_;
  return true;
}

}  // namespace layerscope
