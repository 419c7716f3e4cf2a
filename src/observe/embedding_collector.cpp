#include <layerscope/embedding_collector.h>
#include <layerscope/error.h>

#include "graph/feature_map.h"
#include "graph/name_match.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

namespace layerscope {
namespace {

// Output ops whose values only rescale the logits before them: the default passes over them.
bool squashes_logits(const Node& node) {
  return node.op_type == "Softmax" || node.op_type == "LogSoftmax";
}

std::string shape_text(const Shape& shape) { return "[" + shape_string(shape) + "]"; }

// The node and layer-output names closest to `name`, for messages.
std::string closest_layers(const Graph& graph, const std::string& name) {
  std::vector<std::string> candidates;
  for (const Node& node : graph.nodes) {
    if (!node.name.empty()) candidates.push_back(node.name);
    for (int v : node.outputs)
      if (v >= 0) candidates.push_back(graph.values[v].name);
  }
  const std::vector<std::string> closest = closest_names(name, candidates);
  if (closest.empty()) return "none (the model has no layers)";
  std::string text;
  for (const std::string& c : closest) text += (text.empty() ? "" : ", ") + c;
  const bool more =
      std::set<std::string>(candidates.begin(), candidates.end()).size() > closest.size();
  return more ? text + ", ..." : text;
}

// Appends a real tensor's values to `out` as floats.
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

// Each item's channels reduced over their positions: the mean or maximum (NaN when any value is
// NaN, so a bad map shows rather than hides).
void pool_rows(const float* values, const ChannelAxes& axes, EmbeddingPool pool,
               std::vector<float>& out) {
  for (int64_t i = 0; i < axes.items; ++i)
    for (int64_t c = 0; c < axes.channels; ++c) {
      if (pool == EmbeddingPool::Average) {
        double sum = 0;
        for (int64_t k = 0; k < axes.positions; ++k) sum += values[axes.at(i, c, k)];
        out.push_back(static_cast<float>(sum / static_cast<double>(axes.positions)));
      } else {
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t k = 0; k < axes.positions; ++k) {
          const float v = values[axes.at(i, c, k)];
          if (std::isnan(v)) {
            best = v;
            break;
          }
          best = std::max(best, v);
        }
        out.push_back(best);
      }
    }
}

}  // namespace

EmbeddingPool embedding_pool_by_name(const std::string& name) {
  if (name == "flatten") return EmbeddingPool::Flatten;
  if (name == "avg") return EmbeddingPool::Average;
  if (name == "max") return EmbeddingPool::Max;
  if (name == "auto") return EmbeddingPool::Auto;
  throw Error("pooling '" + name + "' is not known: expected avg, max, flatten or auto");
}

const char* embedding_pool_name(EmbeddingPool pool) {
  switch (pool) {
    case EmbeddingPool::Flatten:
      return "flatten";
    case EmbeddingPool::Average:
      return "avg";
    case EmbeddingPool::Max:
      return "max";
    case EmbeddingPool::Auto:
      return "auto";
  }
  return "?";
}

EmbeddingCollector::EmbeddingCollector(std::string layer, EmbeddingPool pool)
    : layer_(std::move(layer)), pool_(pool) {}

void EmbeddingCollector::check(const Graph& graph, const std::string& model_name) const {
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
      throw Error("no node or tensor named '" + layer_ + "' in " +
                  (model_name.empty() ? std::string("the model") : model_name) +
                  "; closest: " + closest_layers(graph, layer_));
    if (graph.values[v].producer < 0)
      throw Error("'" + layer_ + "' is a model input or weight, not a layer output; closest: " +
                  closest_layers(graph, layer_));
  }
  const Value& value = graph.values[v];
  if (value.shape && value.shape->size() < 2)
    throw Error("layer output '" + value.name + "' is " + static_shape_string(value.shape) +
                "; an embedding needs one row per batch item: [N, D] or more dimensions");
  const bool pools = pool_ == EmbeddingPool::Average || pool_ == EmbeddingPool::Max;
  if (pools && value.shape && value.shape->size() < 3)
    throw Error("layer output '" + value.name + "' is " + static_shape_string(value.shape) +
                ": nothing to pool with " + embedding_pool_name(pool_) +
                " (it reduces the axes other than the channel axis of [N, C, ...]); use flatten");
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
    candidate_layout_ = value.layout;
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
  if (tensor.numel() == 0)
    throw Error("embedding layer '" + name + "' is " + shape_text(shape) + ": empty");
  if (pool_ == EmbeddingPool::Auto)
    pool_ = tensor.rank() == 4 ? EmbeddingPool::Average : EmbeddingPool::Flatten;
  const bool pools = pool_ != EmbeddingPool::Flatten;
  if (pools && tensor.rank() < 3)
    throw Error("embedding layer '" + name + "' is " + shape_text(shape) +
                ": nothing to pool with " + embedding_pool_name(pool_) +
                " (it reduces the axes other than the channel axis of [N, C, ...]); use flatten");
  const ChannelAxes axes = channel_axes(shape, candidate_layout_);
  const int64_t dims = pools ? axes.channels : tensor.numel() / batch_size_;
  if (rows_ > 0 && dims != dims_)
    throw Error("embedding layer '" + name + "' has " + std::to_string(dims) +
                " values per item in this run and " + std::to_string(dims_) + " before");
  if (pools) {
    std::vector<float> all;
    append_as_floats(tensor, name, all);
    pool_rows(all.data(), axes, pool_, values_);
  } else {
    append_as_floats(tensor, name, values_);
  }
  item_shape_.assign(shape.begin() + 1, shape.end());
  pooled_shape_.clear();
  if (pools)
    pooled_shape_ = axes.channels_last ? Shape(shape.begin() + 1, shape.end() - 1)
                                       : Shape(shape.begin() + 2, shape.end());
  tensor_name_ = name;
  dims_ = dims;
  rows_ += batch_size_;
  return true;
}

}  // namespace layerscope
