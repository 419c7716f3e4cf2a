#pragma once
// Runs one graph: kernels built once, nodes in topological order, every tensor released right
// after its last consumer ran (observers keep what they want by holding the handle).
#include "runtime/kernel.h"

#include <layerscope/observer.h>
#include <layerscope/session.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace layerscope::runtime {

// Looks up a value of an enclosing graph by name (for subgraphs); undefined if unknown.
using OuterScope = std::function<at::Tensor(const std::string& name)>;

class GraphExecutor {
 public:
  GraphExecutor(const Graph& graph, const SessionOptions& options);

  // `inputs` follow graph.inputs. Returns the graph outputs in order.
  Tensors run(const Tensors& inputs, const OuterScope& outer, Observer* observer);

 private:
  void check_size(const at::Tensor& t, const Node& node, const Value& value) const;
  GraphExecutor& subgraph_executor(const Graph& subgraph);

  const Graph& graph_;
  SessionOptions options_;
  std::vector<Kernel> kernels_;
  std::vector<at::Tensor> initializers_;  // by value index; undefined for non-initializers
  std::vector<int> use_counts_;           // consumers per value
  std::vector<bool> is_output_;
  std::map<const Graph*, std::unique_ptr<GraphExecutor>> subgraphs_;
};

}  // namespace layerscope::runtime
