// The entry point of liblayerscope_runtime.so: sessions on ATen behind the detail::Runtime
// interface, so the core library reaches them through dlopen.
#include "runtime/executor.h"
#include "runtime/registry.h"
#include "runtime/tensor_bridge.h"

#include <layerscope/error.h>
#include <layerscope/session.h>

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

namespace layerscope::runtime {
namespace {

void collect_unsupported(const Graph& graph, std::vector<UnsupportedOp>& found) {
  const OpRegistry& registry = OpRegistry::instance();
  for (const Node& node : graph.nodes) {
    const int opset = graph.opset_of(node);
    if (!registry.find(node.domain, node.op_type, opset)) {
      auto it = std::find_if(found.begin(), found.end(), [&](const UnsupportedOp& op) {
        return op.domain == node.domain && op.op_type == node.op_type && op.opset == opset;
      });
      if (it == found.end()) it = found.insert(found.end(), {node.domain, node.op_type, opset, {}});
      it->nodes.push_back(node.name);
    }
    for (const auto& [name, attribute] : node.attributes) {
      if (attribute.g) collect_unsupported(*attribute.g, found);
      for (const auto& g : attribute.graphs) collect_unsupported(*g, found);
    }
  }
}

class AtenSession : public Session {
 public:
  AtenSession(const Model& model, const SessionOptions& options)
      : graph_(model.graph), executor_(model.graph, options) {}

  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs,
                                    Observer* observer) override {
    check_inputs(graph_, inputs);
    Tensors aten_inputs;
    for (int v : graph_.inputs) {
      const std::string& name = graph_.values[v].name;
      aten_inputs.push_back(to_aten(inputs.at(name), "input '" + name + "'"));
    }
    Tensors outputs;
    try {
      outputs = executor_.run(aten_inputs, nullptr, observer);
    } catch (...) {
      if (observer) {
        try {
          observer->on_run_end();
        } catch (...) {  // the run's error is the one to report
        }
      }
      throw;
    }
    if (observer) observer->on_run_end();
    std::map<std::string, Tensor> results;
    for (std::size_t i = 0; i < outputs.size(); ++i)
      if (outputs[i].defined())
        results[graph_.values[graph_.outputs[i]].name] = from_aten(outputs[i]);
    return results;
  }

 private:
  const Graph& graph_;
  GraphExecutor executor_;
};

// ATen's warnings speak to PyTorch developers ("index_reduce() is in beta"); layerscope's users
// get nothing from them, and they would interleave with the tool's own output.
class QuietWarnings : public c10::WarningHandler {
 public:
  void process(const c10::SourceLocation&, const std::string&, const bool) override {}
};

class AtenRuntime : public detail::Runtime {
 public:
  AtenRuntime() {
    static QuietWarnings quiet;
    c10::Warning::set_warning_handler(&quiet);
  }

  std::vector<UnsupportedOp> find_unsupported_ops(const Graph& graph) override {
    std::vector<UnsupportedOp> found;
    collect_unsupported(graph, found);
    return found;
  }

  std::unique_ptr<Session> create_session(const Model& model,
                                          const SessionOptions& options) override {
    const auto unsupported = find_unsupported_ops(model.graph);
    if (!unsupported.empty())
      throw Error(describe_unsupported_ops(unsupported, "model '" + model.path + "'"));
    if (options.threads > 0) at::set_num_threads(options.threads);
    return std::make_unique<AtenSession>(model, options);
  }
};

}  // namespace
}  // namespace layerscope::runtime

extern "C" __attribute__((visibility("default"))) layerscope::detail::Runtime*
layerscope_runtime_instance() {
  static layerscope::runtime::AtenRuntime runtime;
  return &runtime;
}
