#pragma once
// An observer that logs every layer's output to TensorBoard through a SummaryWriter: a histogram
// of its values, its statistics as scalars and, for rank-4 feature maps, one grid image of the
// first channels. It knows nothing of the model format; the caller sets the step before each run.
//
//   layerscope::SummaryWriter writer("runs/exp1");
//   layerscope::TensorBoardObserver observer(writer);
//   for (int64_t step = 0; step < steps; ++step) {
//     observer.set_step(step);
//     session->run(inputs[step], &observer);
//   }
//
// For a tensor named T (tags are the tensor names without leading '/': TensorBoard groups tags by
// the text before their first '/', so "/conv1/Conv_output_0" is logged as "conv1/Conv_output_0",
// in group "conv1", rather than all such names in one unnamed group):
//   T                   histogram of the values (floating tensors only, converted to float32)
//   T/mean, T/std, T/zero_fraction, T/nan_count, T/inf_count   scalars (compute_stats)
//   T/feature_maps      for rank-4 floating tensors N x C x H x W: the first `images` channels of
//                       the first batch item as one grid image, each channel scaled to [0, 1] by
//                       its own finite min and max (a constant channel is all 0; +Inf is 1, -Inf
//                       0) and drawn through `colormap`. "gray" grids are one-channel PNGs, other
//                       maps RGB; NaN is magenta (render::Colormap::kNanColor), which makes a gray
//                       grid RGB too.
//
// Inside a run, tensors are by default logged in batches (`batch_bytes`): held (handles, no copy)
// until enough have come or the run ends, then binned, drawn and encoded on the runtime's threads,
// a tensor per thread, and written in the order they came. Everything is written when
// Session::run returns.
//
// With `background` set, on_value only queues the tensor and one logging thread of the observer's
// own bins, draws and writes it, so the model runs on while the last layer is logged (worth it when
// the model's threads leave a core free); `pending_bytes` bounds the tensors held (on_value waits
// beyond it). flush() waits until everything queued is written; call it before closing the writer
// (the destructor waits too). An error on the logging thread is thrown by the next on_value() or
// flush().
//
// Records are written in the same order in every mode.
#include <layerscope/observer.h>
#include <layerscope/stats.h>
#include <layerscope/summary_writer.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace layerscope {

namespace render {
class Colormap;
}

struct TensorBoardObserverOptions {
  NodeFilter filter;  // which nodes are logged (default: all)
  int images = 8;     // channels in each feature-map grid; 0 logs no images
  // Feature-map colors: gray, viridis, magma, inferno, plasma, turbo or jet (matplotlib's maps).
  std::string colormap = "gray";
  bool background = false;  // log on a thread of the observer's own
  // Without `background`, inside a run (the runtime's threads at hand): tensors wait until this
  // many bytes have come or the run ends, and are then logged together, spread over the threads
  // a tensor each. 0: each is logged as it comes, its histogram alone split over the threads.
  // (8 MiB: a batch is still in the last-level cache when logged; 2, 4, 8 and 32 MiB were within
  // the noise of each other on resnet50, 8 the fastest.)
  std::size_t batch_bytes = std::size_t(8) << 20;
  std::size_t pending_bytes = std::size_t(256) << 20;  // most tensor bytes queued (background)
};

class TensorBoardObserver : public Observer {
 public:
  // Throws Error if options.colormap is not one of the names above.
  explicit TensorBoardObserver(SummaryWriter& writer, int64_t step = 0,
                               TensorBoardObserverOptions options = {});
  ~TensorBoardObserver() override;
  TensorBoardObserver(const TensorBoardObserver&) = delete;
  TensorBoardObserver& operator=(const TensorBoardObserver&) = delete;

  void set_step(int64_t step) { step_ = step; }
  int64_t step() const { return step_; }

  bool wants(const Graph& graph, const Node& node) override;
  ObserverAction on_value(const Value& value, const Tensor& tensor,
                          const RunContext& context) override;
  void on_run_end() override;  // logs the tensors batched (not those queued for `background`)

  // Tags of the tensors logged so far (distinct), and how many histograms, scalars and images.
  const std::set<std::string>& tensors() const { return tensors_; }
  int64_t histograms() const { return histograms_; }
  int64_t scalars() const { return scalars_; }
  int64_t images() const { return images_; }

  // Waits until every tensor handed over so far is logged (at once when not `background`).
  void flush();

 private:
  struct Job;
  class Worker;
  struct Prepared;
  void log(const Job& job, const ParallelFor* parallel_for);
  Prepared prepare(const Job& job, const ParallelFor* parallel_for) const;  // any thread
  void write(const Job& job, Prepared prepared);  // takes the encoded images over
  void log_batch();

  SummaryWriter& writer_;
  int64_t step_;
  TensorBoardObserverOptions options_;
  const render::Colormap* colormap_;
  std::set<std::string> tensors_;
  int64_t histograms_ = 0, scalars_ = 0, images_ = 0;
  std::unique_ptr<Worker> worker_;  // set when options_.background
  std::vector<Job> batch_;          // waiting to be logged together (batch_bytes)
  std::size_t batch_bytes_ = 0;
  const ParallelFor* batch_parallel_for_ = nullptr;  // the runtime's, from the last on_value
};

}  // namespace layerscope
