#pragma once
// TensorBoard event files without TensorFlow, with PyTorch's SummaryWriter API.
//
//   layerscope::SummaryWriter writer("runs/exp1");   // runs/exp1/events.out.tfevents.<time>.<host>
//   for (int64_t step = 0; step < steps; ++step) {
//     writer.add_scalar("loss", loss, step);
//     writer.add_histogram("conv1/weights", weights.data(), weights.size(), step);
//   }
//   writer.add_image("input", pixels, /*height=*/28, /*width=*/28, /*channels=*/1, 0);
//   // the destructor closes the file; `tensorboard --logdir runs` shows it
//
// Records are written whole, one write() each, as they are added: a process killed mid-run leaves
// a file whose records all load. All members may be called from several threads at once.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace layerscope {

// What add_histogram() left out of the histogram.
struct HistogramCounts {
  int64_t finite = 0;  // values binned
  int64_t nan = 0;
  int64_t pos_inf = 0;
  int64_t neg_inf = 0;
};

class SummaryWriter {
 public:
  // Creates `logdir` (and its parents) if needed and a new event file in it named
  // events.out.tfevents.<10-digit Unix time>.<hostname><filename_suffix> (".<n>" is inserted before
  // the suffix if that name is taken), whose first record is an Event with file_version
  // "brain.Event:2". Throws Error naming the path and the OS's reason when it cannot.
  explicit SummaryWriter(const std::string& logdir, const std::string& filename_suffix = "");
  ~SummaryWriter();  // close(), errors ignored
  // A moved-from writer may only be destroyed or assigned to.
  SummaryWriter(SummaryWriter&&) noexcept;
  SummaryWriter& operator=(SummaryWriter&&) noexcept;
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;

  // `walltime` is seconds since the Unix epoch; it defaults to now. Every add_* throws Error if
  // the file is closed or the OS refuses the write (disk full, ...), naming the file.

  // Summary.Value.simple_value (float32), as PyTorch writes it; NaN and Inf are written as they
  // are.
  void add_scalar(const std::string& tag, double value, int64_t step,
                  std::optional<double> walltime = std::nullopt);

  // TensorFlow's default exponential buckets (limits +-1e-12 * 1.1^k and 0; a value goes to the
  // first bucket whose limit exceeds it; runs of empty buckets merged). NaN and +-Inf are kept out
  // of the buckets and out of min/max/num/sum/sum_squares and only counted, in the result; with no
  // finite values the histogram has num 0, min = max = 0 and the single bucket (DBL_MAX, 0).
  HistogramCounts add_histogram(const std::string& tag, const float* values, std::size_t count,
                                int64_t step, std::optional<double> walltime = std::nullopt);

  // `pixels` is height x width x channels bytes, row-major, channels interleaved: 1 gray,
  // 2 gray+alpha, 3 RGB, 4 RGBA. Stored as PNG.
  void add_image(const std::string& tag, const uint8_t* pixels, int height, int width, int channels,
                 int64_t step, std::optional<double> walltime = std::nullopt);

  // Records reach the OS as they are added; flush() also asks it to put them on disk (fdatasync).
  void flush();
  // Closes the file; later add_* calls throw. Calling it again does nothing.
  void close();

  const std::string& file_path() const;  // the event file

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace layerscope
