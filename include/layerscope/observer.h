#pragma once
// Observers: the one extension point of a run. The executor hands every tensor a node produces to
// the observer in execution order. Statistics, NaN tracking, dumping, histograms and images are
// all observers.
//
//   struct PrintShapes : layerscope::Observer {
//     layerscope::ObserverAction on_value(const layerscope::Value& value,
//                                         const layerscope::Tensor& tensor,
//                                         const layerscope::RunContext&) override {
//       std::cout << value.name << " " << layerscope::shape_string(tensor.shape()) << "\n";
//       return layerscope::ObserverAction::Continue;
//     }
//   };
#include <layerscope/graph.h>
#include <layerscope/tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace layerscope {

// Runs fn(begin, end) over sub-ranges of [0, n) on the runtime's worker threads.
using ParallelFor =
    std::function<void(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn)>;

struct RunContext {
  const Graph& graph;
  const Node& node;     // the node that produced the tensor
  int node_index;       // position of `node` in execution order
  double node_seconds;  // wall time of the node's kernel
  // The runtime's thread pool, for observers with heavy per-tensor work (null: run serially).
  const ParallelFor* parallel_for = nullptr;
};

enum class ObserverAction { Continue, Stop };

class Observer {
 public:
  virtual ~Observer() = default;
  // Asked once per node before the run starts. Nodes no observer wants are not handed over, so
  // they cost nothing beyond running.
  virtual bool wants(const Graph& graph, const Node& node) { return true; }
  // Sees one output of a wanted node. The tensor is contiguous on the host; copy the handle to keep
  // it beyond the call. Returning Stop ends the run after this node.
  virtual ObserverAction on_value(const Value& value, const Tensor& tensor,
                                  const RunContext& context) = 0;
  // Called once as a run ends, also when it stopped early or failed (an error thrown here then is
  // dropped: the run's own is reported). Observers that hold tensors back finish with them here,
  // so that everything is done when Session::run returns.
  virtual void on_run_end() {}
};

// Fans one run out to several observers; a node is handed over if any of them wants it, and each
// observer sees only the nodes it wants.
class ObserverList : public Observer {
 public:
  void add(Observer* observer) { observers_.push_back(observer); }
  bool wants(const Graph& graph, const Node& node) override;
  ObserverAction on_value(const Value& value, const Tensor& tensor,
                          const RunContext& context) override;
  void on_run_end() override;  // every observer's, then the first error thrown

 private:
  std::vector<Observer*> observers_;
  std::vector<std::vector<bool>> wanted_;  // [observer][node index], filled by wants()
};

}  // namespace layerscope
