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
// Writing: each add_* serializes its Event into an in-memory buffer; a background thread writes
// the buffer to the file every `flush_seconds` (2 s by default; PyTorch waits 120 s), and it is
// written at once when it passes `buffer_bytes` (1 MiB), on flush() and on close(). So a record
// reaches the file at most about flush_seconds after it was added, or at flush()/close().
//
// What a crash leaves: the buffer holds whole records only and each write hands the OS a run of
// whole records, so a process killed mid-run (even by SIGKILL) leaves a file whose records all
// load, except at most a last one cut short when the kill lands inside a write() (readers,
// TensorBoard's and `layerscope events`, stop before such a tail). Records still in the buffer are
// lost: call flush() at points that must survive a crash.
//
// Errors: a write refused by the OS (disk full, file size limit, I/O error) cuts the file back to
// its last whole record, so what was written before keeps loading; the Error, naming the file and
// the OS's reason, is thrown by the next add_*, flush() or close() (whichever thread makes the
// write), and every later add_* throws it too: the records after the failure are dropped, not
// silently lost. If nobody called any of them before the destructor, it prints the error to stderr.
//
// All members may be called from several threads at once.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace layerscope {

class Tensor;
namespace tensorboard {
struct SummaryWriterAccess;  // the library's own observers: add_* split into work and write
}

// How the values of a float image are laid out: height x width x channels (channels interleaved)
// or channels x height x width (planes, as PyTorch's tensors).
enum class ImageLayout { HWC, CHW };

struct HistogramOptions {
  // 0: TensorFlow's default exponential buckets. N > 0: N equal-width bins from the finite min to
  // max, as numpy.histogram(values, bins=N) (PyTorch's add_histogram(..., bins=N)); the N + 1
  // edges are the bucket limits, the first one the limit of an empty bucket.
  int bins = 0;
  // Splits the binning of large arrays into exponential buckets over a thread pool: fn(n, body)
  // calls body(begin, end) over sub-ranges of [0, n) (the type of RunContext::parallel_for, which
  // an observer passes on). The result is the same with any number of threads. Null: this thread.
  const std::function<void(int64_t n, const std::function<void(int64_t, int64_t)>& body)>*
      parallel_for = nullptr;
};

class Graph;

// What add_histogram() counted, and left out of the histogram: enough for a tensor's statistics
// without a second pass over it.
struct HistogramCounts {
  int64_t finite = 0;  // values binned
  int64_t nan = 0;
  int64_t pos_inf = 0;
  int64_t neg_inf = 0;
  int64_t zeros = 0;                // values equal to +0 or -0
  double sum = 0, sum_squares = 0;  // of the finite values
  double min = 0, max = 0;          // of the finite values (0 without any)
};

struct SummaryWriterOptions {
  std::string filename_suffix;  // appended to the event file's name
  // Seconds between background writes of the buffer; 0: no background thread (the buffer is then
  // written when full, on flush() and on close()).
  double flush_seconds = 2.0;
  // The buffer is written once it holds this many bytes; 0 writes every record as it is added.
  std::size_t buffer_bytes = std::size_t(1) << 20;
};

// Thumbnails for add_embedding()'s sprite sheet, one per row of the embedding: count x height x
// width x channels bytes, row-major, channels interleaved (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
struct EmbeddingImages {
  const uint8_t* pixels = nullptr;  // null: no sprite
  int height = 0;
  int width = 0;
  int channels = 0;
};

// How add_embedding() stores the values: text (one row per line, tab-separated, each float32 in
// its shortest round-trip form) or raw float32 in the machine's byte order (what numpy.fromfile
// reads; 4 bytes a value instead of ~10). TensorBoard tries a tensor file as UTF-8 text first and
// reads it as binary only when that fails, so a Binary tensor whose bytes happen to be valid UTF-8
// (all zeros, for one) does not load there: TSV is the safe default.
enum class EmbeddingFormat { TSV, Binary };

struct EmbeddingOptions {
  // metadata[row][column], one row per embedding row; empty: no metadata file. Tabs, newlines and
  // carriage returns in values become spaces (TSV has no escapes).
  std::vector<std::vector<std::string>> metadata;
  // Column names, required with two or more columns and written as a header row. A single column
  // has no header row: TensorBoard reads a first line without a tab as a label, and names the
  // column "label".
  std::vector<std::string> metadata_header;
  EmbeddingImages images;
  EmbeddingFormat format = EmbeddingFormat::TSV;
};

// What add_embedding() wrote: full paths, empty when not written.
struct EmbeddingFiles {
  std::string tensor_name;  // "<tag>:<step, 5 digits>", the name TensorBoard lists
  std::string folder;       // <logdir>/<step>/<tag, percent-encoded>
  std::string tensors;      // tensors.tsv or tensors.bytes
  std::string metadata;     // metadata.tsv
  std::string sprite;       // sprite.png
  int thumbnail_width = 0;  // a thumbnail's size in the sprite (shrunk to fit 8192 px)
  int thumbnail_height = 0;
  std::string config;  // <logdir>/projector_config.pbtxt
};

class SummaryWriter {
 public:
  // Creates `logdir` (and its parents) if needed and a new event file in it named
  // events.out.tfevents.<10-digit Unix time>.<hostname><filename_suffix> (".<n>" is inserted before
  // the suffix if that name is taken), whose first record, an Event with file_version
  // "brain.Event:2", is written at once. Throws Error naming the path and the OS's reason when it
  // cannot, or when flush_seconds is negative or not finite.
  explicit SummaryWriter(const std::string& logdir, const std::string& filename_suffix = "");
  SummaryWriter(const std::string& logdir, const SummaryWriterOptions& options);
  ~SummaryWriter();  // close(), errors ignored
  // A moved-from writer may only be destroyed or assigned to.
  SummaryWriter(SummaryWriter&&) noexcept;
  SummaryWriter& operator=(SummaryWriter&&) noexcept;
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;

  // `walltime` is seconds since the Unix epoch; it defaults to now. Every add_* throws Error if
  // the file is closed or a write failed (see Errors above), naming the file.
  //
  // Tags: any non-empty UTF-8 string (spaces, '/', ':', any script); TensorBoard groups tags by
  // the part before the first '/'. An empty tag or one that is not valid UTF-8 throws Error
  // (protobuf readers, TensorBoard's among them, reject a whole record whose string field is not
  // UTF-8).

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

  // One scalar per series, as PyTorch's add_scalars: each series is its own run, the sub-folder
  // <logdir>/<main_tag>_<name> ('/' in either as '_') with its own event file (kept open until
  // close()), where the value is written under the tag `main_tag`.
  void add_scalars(const std::string& main_tag, const std::map<std::string, double>& values,
                   int64_t step, std::optional<double> walltime = std::nullopt);

  // Same as add_histogram() above with `options.bins` equal-width bins when it is positive.
  HistogramCounts add_histogram(const std::string& tag, const float* values, std::size_t count,
                                int64_t step, const HistogramOptions& options,
                                std::optional<double> walltime = std::nullopt);

  // Float pixels in [0, 1] (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA channels), scaled as PyTorch
  // does: v * 255 clipped to [0, 255] and truncated; NaN is 0.
  void add_image(const std::string& tag, const float* values, int height, int width, int channels,
                 ImageLayout layout, int64_t step, std::optional<double> walltime = std::nullopt);

  // `count` images of the same size as one grid image: ceil(sqrt(count)) columns, rows as needed,
  // `padding` pixels of 0 around and between the tiles (torchvision's make_grid layout).
  // Float values are count x (height x width x channels or channels x height x width), scaled as
  // add_image's; uint8 pixels are count x height x width x channels.
  void add_images(const std::string& tag, const float* values, int count, int height, int width,
                  int channels, ImageLayout layout, int64_t step,
                  std::optional<double> walltime = std::nullopt, int padding = 2);
  void add_images(const std::string& tag, const uint8_t* pixels, int count, int height, int width,
                  int channels, int64_t step, std::optional<double> walltime = std::nullopt,
                  int padding = 2);

  // The text plugin's value, as PyTorch writes it: tag `<tag>/text_summary`, a DT_STRING tensor of
  // shape [1] holding the UTF-8 text, plugin "text".
  void add_text(const std::string& tag, const std::string& text, int64_t step,
                std::optional<double> walltime = std::nullopt);

  // The whole tensor as a TensorProto (dtype, shape, tensor_content little-endian), plugin
  // "tensor" as PyTorch's add_tensor. Float16/32/64, BFloat16, (u)int8/16/32/64, bool, complex;
  // other dtypes throw Error.
  void add_tensor(const std::string& tag, const Tensor& tensor, int64_t step,
                  std::optional<double> walltime = std::nullopt);

  // The model's graph for TensorBoard's Graphs tab: one Event whose graph_def is a GraphDef with
  // one NodeDef per node, named "<scope>/<name>" from Node::scope (e.g. node
  // "/layer1/layer1.0/conv1/Conv" in scope "layer1/layer1.0/conv1" becomes
  // "layer1/layer1.0/conv1/Conv", so TensorBoard folds each scope into one box), op = the op type,
  // inputs = the producing nodes ("name:k" for output k > 0), the node's attributes as AttrValues
  // and `_output_shapes` (unknown dimensions -1) so edges show their shapes. Graph inputs are
  // "Placeholder" nodes; each weight is a "Const" node with its dtype and shape but no data, in its
  // first consumer's scope (TensorBoard draws it as a small icon inside that consumer). Names keep
  // only [A-Za-z0-9_.-/] (others become '_') and are made unique with "_<n>".
  void add_graph(const Graph& graph, std::optional<double> walltime = std::nullopt);

  // An embedding for TensorBoard's Projector, laid out as PyTorch's add_embedding lays it out:
  // `values` is rows x dims float32, row-major. Writes, under <logdir>/<step as %05d>/<tag with
  // every byte but [A-Za-z0-9_.-] and a leading '.' as %xx>/, the tensor file, metadata.tsv
  // (with options.metadata) and sprite.png (with options.images: a square grid of ceil(sqrt(rows))
  // thumbnails a side, row by row, unused cells black or transparent; thumbnails are shrunk,
  // keeping their aspect ratio, so the sheet is at most 8192 px a side, the Projector's limit), and
  // adds or replaces (same tag and step) the embedding's entry in <logdir>/projector_config.pbtxt,
  // keeping the others, so every tag and step shows. The config is rewritten whole and renamed into
  // place. Throws Error (naming the tag and what is wrong, or the file and the OS's reason) on bad
  // arguments, a blank metadata row (TensorBoard would skip it and shift every later label), more
  // than 8192 x 8192 thumbnails, an unwritable folder or a config that is not a ProjectorConfig.
  //
  //   layerscope::EmbeddingOptions options;
  //   options.metadata = {{"cat", "train"}, {"dog", "test"}};
  //   options.metadata_header = {"label", "split"};
  //   writer.add_embedding("features", features.data(), /*rows=*/2, /*dims=*/64, step, options);
  EmbeddingFiles add_embedding(const std::string& tag, const float* values, int64_t rows,
                               int64_t dims, int64_t step = 0,
                               const EmbeddingOptions& options = {});

  // Writes the buffered records and asks the OS to put them on disk (fdatasync), for this file and
  // add_scalars' files. Throws Error if a write failed.
  void flush();
  // Writes the buffered records and closes the files; later add_* calls throw. Throws Error if a
  // write failed (the files are closed all the same). Calling it again does nothing.
  void close();

  const std::string& file_path() const;  // the event file

 private:
  friend struct tensorboard::SummaryWriterAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace layerscope
