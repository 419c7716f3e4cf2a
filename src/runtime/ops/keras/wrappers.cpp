// Kernels of Keras's wrappers, Bidirectional and TimeDistributed: each runs the kernel of the
// layer it wraps, whatever its class.
//
// The frontend (frontends/keras/layers/wrappers.cpp) keeps a wrapper as one node and stores the
// wrapped layer in its attributes under a prefix: "<prefix>.<key>" for each attribute the inner
// layer's kernel reads, "<prefix>:class", "<prefix>:input_shape", "<prefix>:weights" and
// "<prefix>:outputs". InnerLayer rebuilds from them the node the inner layer would have been, in a
// graph of its own (its input value with the shape the inner layer sees, the wrapper's weight
// values, its outputs), and asks the registry for that class's kernel: a wrapper works with every
// class that has a kernel, wrappers inside wrappers included, and kernels that read a value's
// static shape or a weight's data at load see what they would see unwrapped.
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

#include <memory>

namespace layerscope::runtime {
namespace {

using keras::add_op;

class InnerLayer {
 public:
  // The inner layer stored under `prefix`; its weights are the wrapper's inputs from
  // `first_weight` on.
  InnerLayer(const KernelInit& init, const std::string& prefix, std::size_t first_weight)
      : first_weight_(first_weight) {
    const Node& outer = init.node;
    const std::string class_name = outer.attr_string(prefix + ":class", "");
    if (class_name.empty()) fail(init, "has no wrapped layer '" + prefix + "'");
    weight_count_ = static_cast<std::size_t>(outer.attr_int(prefix + ":weights", 0));
    const int64_t output_count = outer.attr_int(prefix + ":outputs", 1);
    if (first_weight + weight_count_ > outer.inputs.size())
      fail(init, "has " + std::to_string(outer.inputs.size()) + " inputs, its wrapped layer '" +
                     prefix + "' needs " + std::to_string(weight_count_) + " weights from input " +
                     std::to_string(first_weight));

    auto graph = std::make_shared<Graph>();
    graph->name = outer.name + "/" + prefix;
    graph->opsets = init.graph.opsets;
    Node node;
    node.name = outer.name + "/" + prefix;
    node.op_type = class_name;
    node.domain = outer.domain;
    node.scope = outer.scope;

    Value input;
    input.name = node.name + ":input";
    input.kind = ValueKind::Input;
    input.dtype = outer.inputs[0] >= 0 ? init.graph.values[outer.inputs[0]].dtype : DType::Float32;
    StaticShape shape;
    for (int64_t d : outer.attr_ints(prefix + ":input_shape")) {
      Dim dim;
      dim.value = d;
      if (d < 0 && shape.empty()) dim.symbol = "batch";
      shape.push_back(dim);
    }
    input.shape = shape;
    graph->values.push_back(input);
    graph->inputs.push_back(0);
    node.inputs.push_back(0);
    for (std::size_t w = 0; w < weight_count_; ++w) {
      const int v = outer.inputs[first_weight + w];
      if (v < 0) fail(init, "lacks weight " + std::to_string(w) + " of its wrapped layer");
      graph->values.push_back(init.graph.values[v]);  // shares the weight's data
      graph->values.back().producer = -1;
      graph->values.back().consumers.clear();
      node.inputs.push_back(static_cast<int>(graph->values.size()) - 1);
    }
    for (int64_t o = 0; o < output_count; ++o) {
      Value value;
      value.name = node.name + ":" + std::to_string(o);
      value.dtype = DType::Float32;
      graph->values.push_back(value);
      node.outputs.push_back(static_cast<int>(graph->values.size()) - 1);
    }
    const std::string attr_prefix = prefix + ".";
    for (const auto& [key, attr] : outer.attributes)
      if (key.compare(0, attr_prefix.size(), attr_prefix) == 0)
        node.attributes[key.substr(attr_prefix.size())] = attr;
    graph->nodes.push_back(std::move(node));
    graph->outputs = graph->nodes.back().outputs;
    graph->reindex();

    const KernelFactory* factory =
        OpRegistry::instance().find(outer.domain, class_name, init.opset);
    if (!factory)
      fail(init, "wraps a " + class_name + " layer, which layerscope cannot run (no kernel for " +
                     class_name + " at Keras " + std::to_string(init.opset) + ")");
    kernel_ = (*factory)(KernelInit{*graph, graph->nodes.back(), init.opset});
    graph_ = std::move(graph);
  }

  std::size_t weight_count() const { return weight_count_; }

  // Runs the inner layer on x with the wrapper's weights (the wrapper's inputs from ctx).
  Tensors operator()(const at::Tensor& x, KernelContext& outer) const {
    Tensors inputs{x};
    inputs.reserve(1 + weight_count_);
    for (std::size_t w = 0; w < weight_count_; ++w)
      inputs.push_back(outer.inputs.at(first_weight_ + w));
    KernelContext ctx{inputs, outer.run_subgraph};
    return kernel_(ctx);
  }

 private:
  std::size_t first_weight_;
  std::size_t weight_count_ = 0;
  std::shared_ptr<const Graph> graph_;  // the inner node's graph, alive as long as its kernel
  Kernel kernel_;
};

KernelFactory bidirectional() {
  return [](const KernelInit& init) -> Kernel {
    auto forward = std::make_shared<InnerLayer>(init, "forward", 1);
    auto backward = std::make_shared<InnerLayer>(init, "backward", 1 + forward->weight_count());
    const std::string merge = init.node.attr_string("merge_mode", "concat");
    if (merge != "concat" && merge != "sum" && merge != "mul" && merge != "ave" && merge != "none")
      fail(init, "merge_mode '" + merge + "' is not one of concat, sum, mul, ave or none");
    const bool sequences = init.node.attr_int("return_sequences", 0) != 0;
    return [forward, backward, merge, sequences](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const Tensors f = (*forward)(x, ctx);
      const Tensors b = (*backward)(x, ctx);
      // The backward layer ran from the last step: its sequence back in time order.
      const at::Tensor b0 = sequences ? b.at(0).flip({1}) : b.at(0);
      Tensors out;
      if (merge == "concat")
        out.push_back(at::cat({f.at(0), b0}, -1));
      else if (merge == "sum")
        out.push_back(f.at(0) + b0);
      else if (merge == "mul")
        out.push_back(f.at(0) * b0);
      else if (merge == "ave")
        out.push_back((f.at(0) + b0) / 2);
      else
        out.insert(out.end(), {f.at(0), b0});
      out.insert(out.end(), f.begin() + 1, f.end());  // return_state: forward's, then backward's
      out.insert(out.end(), b.begin() + 1, b.end());
      return out;
    };
  };
}

KernelFactory time_distributed() {
  return [](const KernelInit& init) -> Kernel {
    auto inner = std::make_shared<InnerLayer>(init, "layer", 1);
    return [inner](KernelContext& ctx) -> Tensors {
      // Batch and time as one batch dimension for the inner layer, split again after it.
      const at::Tensor& x = ctx.inputs.at(0);
      std::vector<int64_t> merged{x.size(0) * x.size(1)};
      merged.insert(merged.end(), x.sizes().begin() + 2, x.sizes().end());
      const Tensors y = (*inner)(x.reshape(merged), ctx);
      const at::Tensor& y0 = y.at(0);
      std::vector<int64_t> split{x.size(0), x.size(1)};
      split.insert(split.end(), y0.sizes().begin() + 1, y0.sizes().end());
      return {y0.reshape(split)};
    };
  };
}

}  // namespace

void register_keras_wrapper_ops(OpRegistry& registry) {
  add_op(registry, "Bidirectional", bidirectional());
  add_op(registry, "TimeDistributed", time_distributed());
}

}  // namespace layerscope::runtime
