#pragma once
// Draws every observed tensor as PNG plots into a folder: a histogram of its values
// (<name>_hist.png, NaN and Inf counted) and, for rank-4 maps [N, C, H, W], a grid of the first
// item's first channels (<name>_maps.png), with index.json listing
// {"name", "node", "op", "dtype", "shape", "histogram", "feature_maps"} per tensor (file names,
// feature_maps null when not drawn). <name> is the tensor name made safe as DumpObserver does.
//
//   layerscope::PlotObserver plots("plots/");
//   session->run(inputs, &plots);
//   plots.write_index();
#include <layerscope/observer.h>
#include <layerscope/stats.h>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

namespace layerscope {

struct PlotOptions {
  int channels = 16;                 // channels in each feature-map grid
  std::string colormap = "viridis";  // gray, viridis, magma, inferno, plasma, turbo or jet
};

class PlotObserver : public Observer {
 public:
  // Creates `folder` if needed; throws Error if it cannot, or for an unknown colormap.
  explicit PlotObserver(std::string folder, NodeFilter filter = {}, PlotOptions options = {});
  bool wants(const Graph& graph, const Node& node) override { return filter_.matches(graph, node); }
  // Throws Error naming the file when a plot cannot be written.
  ObserverAction on_value(const Value& value, const Tensor& tensor,
                          const RunContext& context) override;
  // Writes folder/index.json; call after the run.
  void write_index() const;

  std::size_t histograms() const { return histograms_; }
  std::size_t feature_maps() const { return feature_maps_; }

 private:
  struct Entry {
    std::string name, node, op, histogram, feature_maps;
    DType dtype;
    Shape shape;
  };
  std::string folder_;
  NodeFilter filter_;
  PlotOptions options_;
  std::vector<Entry> entries_;
  std::set<std::string> used_names_;
  std::size_t histograms_ = 0, feature_maps_ = 0;
};

}  // namespace layerscope
