#include "runtime/executor.h"

#include "runtime/registry.h"
#include "runtime/tensor_bridge.h"

#include <layerscope/error.h>

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <chrono>

namespace layerscope::runtime {
namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string node_label(const Node& node) {
  return "node '" + node.name + "' (" + node.op_type + ")";
}

}  // namespace

GraphExecutor::GraphExecutor(const Graph& graph, const SessionOptions& options)
    : graph_(graph), options_(options) {
  const OpRegistry& registry = OpRegistry::instance();
  kernels_.reserve(graph.nodes.size());
  for (const Node& node : graph.nodes) {
    const int opset = graph.opset_of(node);
    const KernelFactory* factory = registry.find(node.domain, node.op_type, opset);
    if (!factory)
      throw Error(node_label(node) + ": op " + node.op_type + " (opset " + std::to_string(opset) +
                  ") is not supported");
    try {
      kernels_.push_back((*factory)(KernelInit{graph, node, opset}));
    } catch (const Error&) {
      throw;
    } catch (const c10::Error& e) {
      throw Error(node_label(node) + ": " + first_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      throw Error(node_label(node) + ": " + first_line(e.what()));
    }
  }
  initializers_.resize(graph.values.size());
  use_counts_.resize(graph.values.size());
  is_output_.assign(graph.values.size(), false);
  for (std::size_t v = 0; v < graph.values.size(); ++v) {
    const Value& value = graph.values[v];
    if (value.kind == ValueKind::Initializer)
      initializers_[v] = to_aten(value.data, "initializer '" + value.name + "'");
    use_counts_[v] = static_cast<int>(value.consumers.size());
  }
  for (int out : graph.outputs) is_output_[out] = true;
}

GraphExecutor& GraphExecutor::subgraph_executor(const Graph& subgraph) {
  auto& slot = subgraphs_[&subgraph];
  if (!slot) slot = std::make_unique<GraphExecutor>(subgraph, options_);
  return *slot;
}

void GraphExecutor::check_size(const at::Tensor& t, const Node& node, const Value& value) const {
  if (options_.max_tensor_bytes == 0) return;
  const std::size_t bytes = static_cast<std::size_t>(t.numel()) * t.element_size();
  if (bytes > options_.max_tensor_bytes)
    throw Error(node_label(node) + ": output '" + value.name + "' would be " +
                std::to_string(bytes) + " bytes (shape " +
                shape_string(std::vector<int64_t>(t.sizes().begin(), t.sizes().end())) +
                "), over the limit of " + std::to_string(options_.max_tensor_bytes) +
                " bytes (--max-tensor-bytes)");
}

Tensors GraphExecutor::run(const Tensors& inputs, const OuterScope& outer, Observer* observer) {
  c10::InferenceMode inference_mode;
  std::vector<at::Tensor> env(graph_.values.size());
  std::vector<int> remaining = use_counts_;
  if (inputs.size() != graph_.inputs.size())
    throw Error("graph '" + graph_.name + "' takes " + std::to_string(graph_.inputs.size()) +
                " inputs; got " + std::to_string(inputs.size()));
  for (std::size_t i = 0; i < inputs.size(); ++i) env[graph_.inputs[i]] = inputs[i];
  for (std::size_t v = 0; v < graph_.values.size(); ++v) {
    const Value& value = graph_.values[v];
    if (value.kind == ValueKind::Initializer) env[v] = initializers_[v];
    if (value.kind == ValueKind::OuterScope) {
      env[v] = outer ? outer(value.name) : at::Tensor();
      if (!env[v].defined())
        throw Error("subgraph '" + graph_.name + "' reads '" + value.name +
                    "' from an enclosing graph, which does not have it");
    }
  }

  const OuterScope scope_for_subgraphs = [&](const std::string& name) -> at::Tensor {
    const int v = graph_.find_value(name);
    if (v >= 0 && env[v].defined()) return env[v];
    return outer ? outer(name) : at::Tensor();
  };
  const SubgraphRunner run_subgraph = [&](const Graph& subgraph, const Tensors& sub_inputs) {
    return subgraph_executor(subgraph).run(sub_inputs, scope_for_subgraphs, nullptr);
  };

  // Observers share ATen's thread pool instead of starting threads of their own.
  static const ParallelFor parallel_for = [](int64_t n,
                                             const std::function<void(int64_t, int64_t)>& fn) {
    at::parallel_for(0, n, 1, fn);
  };
  std::vector<bool> wanted(graph_.nodes.size(), false);
  if (observer)
    for (std::size_t n = 0; n < graph_.nodes.size(); ++n)
      wanted[n] = observer->wants(graph_, graph_.nodes[n]);

  Tensors node_inputs;
  for (std::size_t n = 0; n < graph_.nodes.size(); ++n) {
    const Node& node = graph_.nodes[n];
    node_inputs.clear();
    for (int in : node.inputs) node_inputs.push_back(in >= 0 ? env[in] : at::Tensor());
    KernelContext context{node_inputs, run_subgraph};

    const auto start = std::chrono::steady_clock::now();
    Tensors outputs;
    try {
      outputs = kernels_[n](context);
    } catch (const Error& e) {
      const std::string message = e.what();
      if (message.rfind("node '", 0) == 0) throw;
      throw Error(node_label(node) + ": " + message);
    } catch (const c10::Error& e) {
      throw Error(node_label(node) + ": " + first_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      throw Error(node_label(node) + ": " + first_line(e.what()));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    bool stop = false;
    for (std::size_t o = 0; o < node.outputs.size(); ++o) {
      const int v = node.outputs[o];
      if (v < 0) continue;
      if (o >= outputs.size() || !outputs[o].defined())
        throw Error(node_label(node) + ": produced no value for output '" + graph_.values[v].name +
                    "'");
      check_size(outputs[o], node, graph_.values[v]);
      env[v] = std::move(outputs[o]);
      if (wanted[n]) {
        const RunContext run_context{graph_, node, static_cast<int>(n), seconds, &parallel_for};
        if (observer->on_value(graph_.values[v], from_aten(env[v]), run_context) ==
            ObserverAction::Stop)
          stop = true;
      }
      if (remaining[v] == 0 && !is_output_[v]) env[v].reset();  // nobody reads it
    }
    auto release = [&](int v) {
      if (v >= 0 && --remaining[v] == 0 && !is_output_[v]) env[v].reset();
    };
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      const int v = node.inputs[i];
      // A node may read one value through several inputs; count it once, as reindex() does.
      bool seen_before = false;
      for (std::size_t j = 0; j < i; ++j) seen_before = seen_before || node.inputs[j] == v;
      if (!seen_before) release(v);
    }
    for (int v : node.captured_inputs)
      if (std::find(node.inputs.begin(), node.inputs.end(), v) == node.inputs.end()) release(v);
    if (stop) break;
  }

  Tensors results;
  for (int out : graph_.outputs) results.push_back(env[out]);
  return results;
}

}  // namespace layerscope::runtime
