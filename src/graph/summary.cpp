#include <layerscope/summary.h>

#include "graph/op_catalog.h"

#include <set>

namespace layerscope {

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
    s.macs = op_macs(graph, node);
    if (s.macs)
      summary.total_macs += *s.macs;
    else if (counts_macs(node))
      ++summary.nodes_without_macs;
    summary.nodes.push_back(std::move(s));
  }
  return summary;
}

}  // namespace layerscope
