#include <layerscope/tensorboard_observer.h>

#include "graph/feature_map.h"
#include "graph/half.h"
#include "render/colormap.h"
#include "render/plot_feature_grid.h"
#include "tensorboard/summary_writer_access.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace layerscope {
namespace {

// The values of a floating tensor as float32 (a float32 tensor is read in place).
const float* as_floats(const Tensor& tensor, std::vector<float>& storage) {
  const int64_t n = tensor.numel();
  switch (tensor.dtype()) {
    case DType::Float32:
      return tensor.data<float>();
    case DType::Float64: {
      const double* p = tensor.data<double>();
      storage.assign(p, p + n);
      return storage.data();
    }
    case DType::Float16: {
      const uint16_t* p = tensor.data<uint16_t>();
      storage.resize(static_cast<std::size_t>(n));
      for (int64_t i = 0; i < n; ++i) storage[i] = detail::half_to_float(p[i]);
      return storage.data();
    }
    case DType::BFloat16: {
      const uint16_t* p = tensor.data<uint16_t>();
      storage.resize(static_cast<std::size_t>(n));
      for (int64_t i = 0; i < n; ++i) storage[i] = detail::bfloat16_to_float(p[i]);
      return storage.data();
    }
    default:
      return nullptr;
  }
}

// The statistics of `count` values the histogram pass counted, as compute_stats() defines them
// (std over the finite values, population form).
TensorStats stats_from_counts(const HistogramCounts& counts, int64_t count) {
  TensorStats stats;
  stats.count = count;
  stats.nan_count = counts.nan;
  stats.inf_count = counts.pos_inf + counts.neg_inf;
  stats.zero_fraction = count > 0 ? static_cast<double>(counts.zeros) / count : 0.0;
  if (counts.finite == 0) {
    stats.min = stats.max = stats.mean = stats.std = std::numeric_limits<double>::quiet_NaN();
  } else {
    const auto n = static_cast<double>(counts.finite);
    stats.min = counts.min;
    stats.max = counts.max;
    stats.mean = counts.sum / n;
    stats.std = std::sqrt(std::max(0.0, counts.sum_squares / n - stats.mean * stats.mean));
  }
  return stats;
}

// The tensor's name without leading '/' (a name of only '/' stays as it is).
std::string tensor_tag(const std::string& name) {
  const std::size_t start = name.find_first_not_of('/');
  return start == std::string::npos ? name : name.substr(start);
}

}  // namespace

// One tensor to log, with the step it belongs to.
struct TensorBoardObserver::Job {
  std::string tag;
  Tensor tensor;  // a handle: keeps the runtime's buffer alive until logged
  int64_t step = 0;
  Layout layout = Layout::Unknown;  // where the channels of a feature map are
};

// What logging a job computes before anything is written.
struct TensorBoardObserver::Prepared {
  std::optional<tensorboard::Histogram> histogram;  // floating tensors
  TensorStats stats;
  std::optional<tensorboard::EncodedImage> image;  // rank-4 floating tensors, with `images` > 0
};

// The logging thread: jobs in order, at most `limit` tensor bytes waiting (one job is always
// taken, however large). The first error stops the logging and is rethrown to the caller.
class TensorBoardObserver::Worker {
 public:
  Worker(TensorBoardObserver& owner, std::size_t limit)
      : owner_(owner), limit_(limit), thread_([this] { loop(); }) {}

  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  void push(Job job) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return error_ || queued_bytes_ == 0 || queued_bytes_ < limit_; });
    rethrow(lock);
    queued_bytes_ += job.tensor.nbytes();
    jobs_.push_back(std::move(job));
    changed_.notify_all();
  }

  void wait_idle() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return error_ || (jobs_.empty() && !busy_); });
    rethrow(lock);
  }

 private:
  void rethrow(std::unique_lock<std::mutex>& lock) {
    if (!error_) return;
    std::exception_ptr error = error_;
    error_ = nullptr;  // reported once; the jobs after it were dropped
    lock.unlock();
    std::rethrow_exception(error);
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping with nothing left
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      std::exception_ptr error;
      try {
        owner_.log(job, nullptr);
      } catch (...) {
        error = std::current_exception();
      }
      const std::size_t bytes = job.tensor.nbytes();
      job.tensor = Tensor();  // the buffer goes back before the queue makes room
      lock.lock();
      busy_ = false;
      queued_bytes_ -= bytes;
      if (error && !error_) {
        error_ = error;
        for (const Job& dropped : jobs_) queued_bytes_ -= dropped.tensor.nbytes();
        jobs_.clear();
      }
      changed_.notify_all();
    }
  }

  TensorBoardObserver& owner_;
  const std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> jobs_;
  std::size_t queued_bytes_ = 0;
  bool busy_ = false, stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts once the rest is built
};

TensorBoardObserver::TensorBoardObserver(SummaryWriter& writer, int64_t step,
                                         TensorBoardObserverOptions options)
    : writer_(writer),
      step_(step),
      options_(std::move(options)),
      colormap_(&render::Colormap::by_name(options_.colormap)) {
  if (options_.background) worker_ = std::make_unique<Worker>(*this, options_.pending_bytes);
}

TensorBoardObserver::~TensorBoardObserver() {
  // The worker finishes its queue as it stops; a batch still waiting is logged here.
  try {
    if (!batch_.empty()) log_batch();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "layerscope: TensorBoard logging failed: %s\n", e.what());
  }
}

void TensorBoardObserver::on_run_end() {
  if (!batch_.empty()) log_batch();
}

void TensorBoardObserver::flush() {
  if (worker_) worker_->wait_idle();
  if (!batch_.empty()) log_batch();
}

bool TensorBoardObserver::wants(const Graph& graph, const Node& node) {
  return options_.filter.matches(graph, node);
}

ObserverAction TensorBoardObserver::on_value(const Value& value, const Tensor& tensor,
                                             const RunContext& context) {
  const DType dtype = tensor.dtype();
  if (dtype == DType::String || dtype == DType::Undefined) return ObserverAction::Continue;
  Job job{tensor_tag(value.name), tensor, step_, value.layout};
  tensors_.insert(job.tag);
  // What will be logged is known from the dtype and shape alone, so the counts need no lock.
  const bool floating = dtype_is_floating(dtype);
  histograms_ += floating;
  scalars_ += 5;
  images_ += floating && options_.images > 0 &&
             feature_map_shape(tensor.shape(), value.layout).has_value();
  if (worker_) {
    worker_->push(std::move(job));
  } else if (options_.batch_bytes > 0 && context.parallel_for) {
    batch_bytes_ += job.tensor.nbytes();
    batch_.push_back(std::move(job));
    batch_parallel_for_ = context.parallel_for;
    if (batch_bytes_ >= options_.batch_bytes) log_batch();
  } else {
    log(job, context.parallel_for);
  }
  return ObserverAction::Continue;
}

void TensorBoardObserver::log(const Job& job, const ParallelFor* parallel_for) {
  write(job, prepare(job, parallel_for));
}

TensorBoardObserver::Prepared TensorBoardObserver::prepare(const Job& job,
                                                           const ParallelFor* parallel_for) const {
  const Tensor& tensor = job.tensor;
  Prepared out;
  std::vector<float> storage;
  const float* floats = as_floats(tensor, storage);
  if (!floats) {
    out.stats = compute_stats(tensor, parallel_for);
    return out;
  }
  const auto count = static_cast<std::size_t>(tensor.numel());
  out.histogram = parallel_for ? tensorboard::make_histogram(floats, count, *parallel_for)
                               : tensorboard::make_histogram(floats, count);
  // float32 values, and float16/bfloat16 ones widened exactly, were all counted in that one
  // pass; float64 values may have overflowed on the way to float, so they get their own.
  out.stats = tensor.dtype() != DType::Float64
                  ? stats_from_counts(tensorboard::histogram_counts(*out.histogram), tensor.numel())
                  : compute_stats(tensor, parallel_for);

  const std::optional<FeatureMapShape> map = feature_map_shape(tensor.shape(), job.layout);
  if (options_.images > 0 && map) {
    const int64_t plane = map->height * map->width;
    const int64_t channels = std::min<int64_t>(options_.images, map->channels);
    // The first item's first channels, each scaled to its own range.
    std::vector<float> planes;
    const std::vector<float> grid = render::normalize_channels(
        first_item_planes(floats, *map, channels, planes), channels, plane);
    // A gray map needs one channel, unless a NaN must show in its own color.
    const bool one_channel = colormap_->is_gray() &&
                             std::none_of(grid.begin(), grid.end(), [](float v) { return v != v; });
    const int colors = one_channel ? 1 : 3;
    std::vector<uint8_t> pixels(grid.size() * colors);
    if (one_channel)
      colormap_->to_gray(grid.data(), grid.size(), pixels.data());
    else
      colormap_->to_rgb(grid.data(), grid.size(), pixels.data());
    out.image = tensorboard::encode_image_grid(
        job.tag + "/feature_maps", pixels.data(), static_cast<int>(channels),
        static_cast<int>(map->height), static_cast<int>(map->width), colors);
  }
  return out;
}

void TensorBoardObserver::write(const Job& job, Prepared prepared) {
  const std::string& tag = job.tag;
  const int64_t step = job.step;
  using tensorboard::SummaryWriterAccess;
  if (prepared.histogram)
    SummaryWriterAccess::write_histogram(writer_, tag, *prepared.histogram, step);
  const TensorStats& stats = prepared.stats;
  writer_.add_scalar(tag + "/mean", stats.mean, step);
  writer_.add_scalar(tag + "/std", stats.std, step);
  writer_.add_scalar(tag + "/zero_fraction", stats.zero_fraction, step);
  writer_.add_scalar(tag + "/nan_count", static_cast<double>(stats.nan_count), step);
  writer_.add_scalar(tag + "/inf_count", static_cast<double>(stats.inf_count), step);
  if (prepared.image)
    SummaryWriterAccess::write_image(writer_, tag + "/feature_maps", std::move(*prepared.image),
                                     step);
}

void TensorBoardObserver::log_batch() {
  std::vector<Job> jobs = std::move(batch_);
  batch_.clear();
  batch_bytes_ = 0;
  if (jobs.size() == 1 || !batch_parallel_for_) {
    // One tensor (larger than the batch) splits its own histogram over the threads instead.
    for (const Job& job : jobs) log(job, batch_parallel_for_);
    return;
  }
  // Each thread takes the largest job left, so they finish together; the records are then written
  // in the order the tensors came.
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return jobs[a].tensor.nbytes() > jobs[b].tensor.nbytes();
  });
  std::vector<Prepared> prepared(jobs.size());
  std::vector<std::exception_ptr> errors(jobs.size());
  std::atomic<std::size_t> next{0};
  (*batch_parallel_for_)(static_cast<int64_t>(jobs.size()), [&](int64_t, int64_t) {
    for (std::size_t k; (k = next.fetch_add(1)) < order.size();) {
      const std::size_t j = order[k];
      try {
        prepared[j] = prepare(jobs[j], nullptr);
      } catch (...) {
        errors[j] = std::current_exception();
      }
    }
  });
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    if (errors[j]) std::rethrow_exception(errors[j]);  // the later tensors are dropped
    write(jobs[j], std::move(prepared[j]));
  }
}

}  // namespace layerscope
