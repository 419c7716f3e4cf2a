#include "cli/shape_probe.h"

#include "cli/inputs.h"

#include <layerscope/error.h>
#include <layerscope/session.h>

#include <map>

namespace layerscope::cli {
namespace {

bool fully_known(const std::optional<StaticShape>& shape) {
  if (!shape) return false;
  for (const Dim& d : *shape)
    if (!d.known() && d.symbol.empty()) return false;
  return true;
}

// Every node output's shape and dtype in one run.
class ShapeRecorder : public Observer {
 public:
  ObserverAction on_value(const Value& value, const Tensor& tensor, const RunContext&) override {
    seen[value.name] = {tensor.shape(), tensor.dtype()};
    return ObserverAction::Continue;
  }
  std::map<std::string, std::pair<Shape, DType>> seen;
};

std::map<std::string, std::pair<Shape, DType>> run_with_batch(const Model& model, Session& session,
                                                              int64_t batch) {
  InputOptions options;
  options.random = true;
  options.dims = {"batch=" + std::to_string(batch)};
  ShapeRecorder recorder;
  session.run(bind_inputs(model.graph, options), &recorder);
  return recorder.seen;
}

}  // namespace

std::string probe_shapes(Model& model) {
  Graph& graph = model.graph;
  bool unknown = false;
  for (const Node& node : graph.nodes)
    for (int v : node.outputs)
      unknown |= v >= 0 &&
                 (!fully_known(graph.values[v].shape) || graph.values[v].dtype == DType::Undefined);
  if (!unknown) return "";
  std::map<std::string, std::pair<Shape, DType>> one, two;
  try {
    auto session = create_session(model);
    one = run_with_batch(model, *session, 1);
    two = run_with_batch(model, *session, 2);
  } catch (const Error& e) {
    return std::string("output shapes unknown: the model did not run on random inputs (") +
           e.what() + ")";
  }
  for (const Node& node : graph.nodes)
    for (int v : node.outputs) {
      if (v < 0) continue;
      Value& value = graph.values[v];
      const auto a = one.find(value.name), b = two.find(value.name);
      if (a == one.end() || b == two.end()) continue;
      if (value.dtype == DType::Undefined) value.dtype = a->second.second;
      if (fully_known(value.shape)) continue;
      const Shape& s1 = a->second.first;
      const Shape& s2 = b->second.first;
      StaticShape shape;
      for (std::size_t i = 0; i < s1.size(); ++i) {
        Dim d;
        if (s2.size() == s1.size() && s1[i] == s2[i])
          d.value = s1[i];
        else if (s2.size() == s1.size() && s2[i] == 2 * s1[i] && s1[i] == 1)
          d.symbol = "batch";
        shape.push_back(d);
      }
      value.shape = shape;
    }
  return "";
}

}  // namespace layerscope::cli
