#pragma once
// What `layerscope report` gathers while the model runs over each input: per layer output and per
// input its shape, dtype, statistics, a compact histogram and (rank-4 maps, first inputs only)
// downsampled feature-map thumbnails; per layer one pooled row per input for the scatter plot.
// Large tensors are summarized here: nothing raw is kept.
//
//   report::ReportCollector collector(options);
//   for (std::size_t i = 0; i < inputs.size(); ++i) {
//     collector.begin_input(i);
//     session->run(inputs[i], &collector);
//   }
//   for (const report::LayerReport& layer : collector.layers()) ...
#include <layerscope/observer.h>
#include <layerscope/stats.h>
#include <layerscope/tensor.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::report {

struct CollectorOptions {
  NodeFilter filter;
  int histogram_bins = 64;
  int feature_channels = 8;   // thumbnails of the first channels of a rank-4 map
  int feature_inputs = 4;     // ... for the first inputs only
  int thumbnail_size = 64;    // longest edge in pixels; larger maps are box-averaged down
  int scatter_columns = 256;  // a pooled row longer than this is averaged down in chunks
  std::size_t thumbnail_budget = 8u << 20;  // bytes of PNG in all; later maps get none
};

// Equal-width bins over [min, max] of the finite values (one bin holds all when min == max); no
// bins when there are no finite values.
struct Histogram {
  double min = 0, max = 0;
  std::vector<int64_t> counts;
};

// One layer output seen for one input.
struct LayerSample {
  int input = 0;  // index given to begin_input()
  DType dtype = DType::Undefined;
  Shape shape;
  TensorStats stats;
  double seconds = 0;
  Histogram histogram;
  std::vector<std::string> thumbnails;  // PNG bytes, one per channel shown
};

struct LayerReport {
  std::string value;  // tensor name
  std::string node;
  std::string op;
  std::vector<LayerSample> samples;  // in input order
  // One row per sample: rank 4 [N,C,H,W] averaged over N, H, W (C columns); otherwise averaged
  // over axis 0 when rank >= 2, flattened; rows longer than scatter_columns averaged in chunks.
  // Rows of differing length (dynamic shapes) leave the layer without a scatter.
  int64_t columns = 0;
  std::vector<float> pooled;
  bool pooled_consistent = true;
  int64_t thumbnail_height = 0, thumbnail_width = 0, map_height = 0, map_width = 0;
};

struct FirstNonfinite {
  std::size_t layer = 0;  // index into layers()
  int input = 0;
};

class ReportCollector : public Observer {
 public:
  explicit ReportCollector(CollectorOptions options = {});
  void begin_input(int index) { input_ = index; }
  bool wants(const Graph& graph, const Node& node) override;
  ObserverAction on_value(const Value& value, const Tensor& tensor,
                          const RunContext& context) override;

  const std::vector<LayerReport>& layers() const { return layers_; }
  // The first NaN or Inf: of the earliest input that has one, its first layer in run order.
  std::optional<FirstNonfinite> first_nonfinite() const { return first_nonfinite_; }
  // Feature maps left without thumbnails once the budget was spent.
  int64_t thumbnails_over_budget() const { return over_budget_; }
  std::size_t thumbnail_bytes() const { return thumbnail_bytes_; }
  const CollectorOptions& options() const { return options_; }

 private:
  void add_thumbnails(LayerReport& layer, LayerSample& sample, const Tensor& tensor, Layout layout);
  void add_pooled_row(LayerReport& layer, const Tensor& tensor, Layout layout);

  CollectorOptions options_;
  int input_ = 0;
  std::vector<LayerReport> layers_;
  std::map<std::string, std::size_t> index_;  // tensor name -> layers_ index
  std::optional<FirstNonfinite> first_nonfinite_;
  int64_t over_budget_ = 0;
  std::size_t thumbnail_bytes_ = 0;
};

// Values of a tensor as floats (float32 read in place; other real types converted).
std::vector<float> tensor_floats(const Tensor& tensor);

Histogram make_histogram(const float* values, int64_t count, const TensorStats& stats, int bins);

}  // namespace layerscope::report
