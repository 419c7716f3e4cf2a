#pragma once
// Statistics of a tensor in one fused pass, and the observer that records them for every layer.
//
//   layerscope::StatsObserver stats;
//   session->run(inputs, &stats);
//   for (const auto& row : stats.records()) std::cout << row.value << " " << row.stats.mean;
#include <layerscope/observer.h>
#include <layerscope/tensor.h>

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace layerscope {

// min/max/mean/std are over the finite elements (NaN when there are none); std is the population
// standard deviation (numpy's default). Complex tensors are summarized by their real parts.
struct TensorStats {
  int64_t count = 0;  // all elements
  double min = 0, max = 0, mean = 0, std = 0;
  double zero_fraction = 0;  // of all elements
  int64_t nan_count = 0;
  int64_t inf_count = 0;
  bool has_nonfinite() const { return nan_count > 0 || inf_count > 0; }
};

// With `parallel_for` (RunContext::parallel_for inside an observer), large tensors are split over
// the runtime's threads; the result does not depend on the thread count.
TensorStats compute_stats(const Tensor& tensor, const ParallelFor* parallel_for = nullptr);

// Which nodes an observer sees: a regex searched in the node's name, op type and output names.
// An empty pattern matches every node.
class NodeFilter {
 public:
  NodeFilter() = default;
  explicit NodeFilter(const std::string& pattern);  // throws Error for a bad regex
  bool matches(const Graph& graph, const Node& node) const;

 private:
  std::optional<std::regex> regex_;
};

struct LayerRecord {
  std::string value;  // tensor name
  std::string node;
  std::string op;
  DType dtype = DType::Undefined;
  Shape shape;
  TensorStats stats;
  double seconds = 0;  // the node's kernel time
};

class StatsObserver : public Observer {
 public:
  explicit StatsObserver(NodeFilter filter = {}) : filter_(std::move(filter)) {}
  bool wants(const Graph& graph, const Node& node) override { return filter_.matches(graph, node); }
  ObserverAction on_value(const Value& value, const Tensor& tensor,
                          const RunContext& context) override;

  const std::vector<LayerRecord>& records() const { return records_; }
  // Index into records() of the first tensor holding a NaN or Inf, if any.
  std::optional<std::size_t> first_nonfinite() const { return first_nonfinite_; }

 private:
  NodeFilter filter_;
  std::vector<LayerRecord> records_;
  std::optional<std::size_t> first_nonfinite_;
};

}  // namespace layerscope
