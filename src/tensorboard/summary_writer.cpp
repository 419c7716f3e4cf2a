// SummaryWriter: builds Event protos (our own tensorboard/proto/*.proto) and hands them to a
// RecordWriter under a mutex. Serialization and PNG encoding happen outside the lock.
#include <layerscope/error.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>

#include "tensorboard/graph_def.h"
#include "tensorboard/histogram.h"
#include "tensorboard/png_encoder.h"
#include "tensorboard/projector.h"
#include "tensorboard/proto/event.pb.h"
#include "tensorboard/record_writer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

namespace layerscope {
namespace {

namespace pb = ::tensorboard;  // the generated messages

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

void check_image_shape(const std::string& tag, int height, int width, int channels) {
  if (channels < 1 || channels > 4)
    throw Error("image '" + tag + "' has " + std::to_string(channels) +
                " channels; expected 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)");
  if (height <= 0 || width <= 0)
    throw Error("image '" + tag + "' is " + std::to_string(height) + "x" + std::to_string(width) +
                "; expected at least 1x1");
}

// PyTorch's float-to-byte: (v * 255 in float32).clip(0, 255).astype(uint8), which truncates.
uint8_t float_to_byte(float v) {
  const float scaled = v * 255.0f;
  if (!(scaled > 0.0f)) return 0;  // NaN too
  if (scaled >= 255.0f) return 255;
  return static_cast<uint8_t>(scaled);
}

// `count` float images (HWC or CHW each) as count x height x width x channels bytes.
std::vector<uint8_t> float_images_to_hwc(const float* values, int count, int height, int width,
                                         int channels, ImageLayout layout) {
  const std::size_t plane = static_cast<std::size_t>(height) * width;
  const std::size_t image_size = plane * channels;
  std::vector<uint8_t> out(image_size * count);
  for (std::size_t n = 0; n < static_cast<std::size_t>(count); ++n) {
    const float* in = values + n * image_size;
    uint8_t* o = out.data() + n * image_size;
    if (layout == ImageLayout::HWC) {
      for (std::size_t i = 0; i < image_size; ++i) o[i] = float_to_byte(in[i]);
    } else {
      for (std::size_t c = 0; c < static_cast<std::size_t>(channels); ++c)
        for (std::size_t i = 0; i < plane; ++i)
          o[i * channels + c] = float_to_byte(in[c * plane + i]);
    }
  }
  return out;
}

// torchvision's make_grid layout with a near-square grid: ceil(sqrt(count)) columns, `padding`
// zero pixels around and between the tiles.
std::vector<uint8_t> make_grid(const std::string& tag, const uint8_t* images, int count, int height,
                               int width, int channels, int padding, int& grid_height,
                               int& grid_width) {
  if (count < 1) throw Error("images '" + tag + "': expected at least one image");
  if (padding < 0) throw Error("images '" + tag + "': negative padding");
  int columns = 1;
  while (static_cast<int64_t>(columns) * columns < count) ++columns;
  const int rows = (count + columns - 1) / columns;
  const int64_t h = static_cast<int64_t>(rows) * (height + padding) + padding;
  const int64_t w = static_cast<int64_t>(columns) * (width + padding) + padding;
  if (h > (1 << 24) || w > (1 << 24) || h * w * channels > (int64_t(1) << 31))
    throw Error("images '" + tag + "': the grid would be " + std::to_string(h) + "x" +
                std::to_string(w) + " pixels, too large for a PNG summary");
  grid_height = static_cast<int>(h);
  grid_width = static_cast<int>(w);
  std::vector<uint8_t> grid(static_cast<std::size_t>(h * w * channels), 0);
  const std::size_t row_bytes = static_cast<std::size_t>(width) * channels;
  for (int n = 0; n < count; ++n) {
    const int top = padding + (n / columns) * (height + padding);
    const int left = padding + (n % columns) * (width + padding);
    const uint8_t* image = images + static_cast<std::size_t>(n) * height * row_bytes;
    for (int y = 0; y < height; ++y)
      std::memcpy(grid.data() + (static_cast<std::size_t>(top + y) * w + left) * channels,
                  image + y * row_bytes, row_bytes);
  }
  return grid;
}

bool tensor_dtype(DType dtype, pb::DataType& out) {
  switch (dtype) {
    case DType::Float32:
      out = pb::DT_FLOAT;
      return true;
    case DType::Float64:
      out = pb::DT_DOUBLE;
      return true;
    case DType::Float16:
      out = pb::DT_HALF;
      return true;
    case DType::BFloat16:
      out = pb::DT_BFLOAT16;
      return true;
    case DType::Int8:
      out = pb::DT_INT8;
      return true;
    case DType::UInt8:
      out = pb::DT_UINT8;
      return true;
    case DType::Int16:
      out = pb::DT_INT16;
      return true;
    case DType::UInt16:
      out = pb::DT_UINT16;
      return true;
    case DType::Int32:
      out = pb::DT_INT32;
      return true;
    case DType::UInt32:
      out = pb::DT_UINT32;
      return true;
    case DType::Int64:
      out = pb::DT_INT64;
      return true;
    case DType::UInt64:
      out = pb::DT_UINT64;
      return true;
    case DType::Bool:
      out = pb::DT_BOOL;
      return true;
    case DType::Complex64:
      out = pb::DT_COMPLEX64;
      return true;
    case DType::Complex128:
      out = pb::DT_COMPLEX128;
      return true;
    default:
      return false;
  }
}

}  // namespace

struct SummaryWriter::Impl {
  std::mutex mutex;
  tensorboard::RecordWriter file{-1, ""};
  // add_scalars(): one writer per series directory, closed with this one.
  std::string logdir, filename_suffix;
  std::mutex series_mutex;
  std::map<std::string, std::unique_ptr<SummaryWriter>> series;
  bool series_closed = false;

  void write(pb::Event& event, std::optional<double> walltime, int64_t step) {
    event.set_wall_time(walltime ? *walltime : now_seconds());
    event.set_step(step);
    const std::string bytes = event.SerializeAsString();
    std::lock_guard<std::mutex> lock(mutex);
    file.write(bytes);
  }
};

SummaryWriter::SummaryWriter(const std::string& logdir, const std::string& filename_suffix)
    : impl_(std::make_unique<Impl>()) {
  impl_->logdir = logdir;
  impl_->filename_suffix = filename_suffix;
  std::error_code error;
  std::filesystem::create_directories(logdir, error);
  if (error) throw Error("cannot create log directory '" + logdir + "': " + error.message());
  if (!std::filesystem::is_directory(logdir, error))
    throw Error("cannot use log directory '" + logdir +
                "': " + (error ? error.message() : std::string("not a directory")));

  const double start = now_seconds();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%010lld", static_cast<long long>(std::floor(start)));
  const std::string stem = logdir + "/events.out.tfevents." + seconds + "." + hostname();
  // Two writers started in the same second with the same suffix would share a name.
  for (int attempt = 0;; ++attempt) {
    const std::string suffix =
        (attempt == 0 ? "" : "." + std::to_string(attempt)) + filename_suffix;
    if (attempt == 1000) {
      impl_->file = tensorboard::RecordWriter::create(stem + suffix);  // throws: exists
      break;
    }
    if (auto file = tensorboard::RecordWriter::create_if_new(stem + suffix)) {
      impl_->file = std::move(*file);
      break;
    }
  }
  pb::Event event;
  event.set_file_version("brain.Event:2");
  impl_->write(event, start, 0);
}

SummaryWriter::~SummaryWriter() {
  try {
    close();
  } catch (...) {
  }
}

SummaryWriter::SummaryWriter(SummaryWriter&&) noexcept = default;
SummaryWriter& SummaryWriter::operator=(SummaryWriter&&) noexcept = default;

void SummaryWriter::add_scalar(const std::string& tag, double value, int64_t step,
                               std::optional<double> walltime) {
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(static_cast<float>(value));
  impl_->write(event, walltime, step);
}

HistogramCounts SummaryWriter::add_histogram(const std::string& tag, const float* values,
                                             std::size_t count, int64_t step,
                                             std::optional<double> walltime) {
  return add_histogram(tag, values, count, step, HistogramOptions{}, walltime);
}

void SummaryWriter::add_image(const std::string& tag, const uint8_t* pixels, int height, int width,
                              int channels, int64_t step, std::optional<double> walltime) {
  check_image_shape(tag, height, width, channels);
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  pb::Summary::Image* image = v->mutable_image();
  image->set_height(height);
  image->set_width(width);
  image->set_colorspace(channels);
  image->set_encoded_image_string(
      tensorboard::encode_png(pixels, height, width, channels, "image '" + tag + "'"));
  impl_->write(event, walltime, step);
}

void SummaryWriter::add_graph(const Graph& graph, std::optional<double> walltime) {
  pb::Event event;
  event.set_graph_def(tensorboard::serialize_graph_def(graph));
  impl_->write(event, walltime, 0);
}

void SummaryWriter::add_scalars(const std::string& main_tag,
                                const std::map<std::string, double>& values, int64_t step,
                                std::optional<double> walltime) {
  const double time = walltime ? *walltime : now_seconds();
  std::string prefix = main_tag;
  std::replace(prefix.begin(), prefix.end(), '/', '_');
  std::lock_guard<std::mutex> lock(impl_->series_mutex);
  if (impl_->series_closed)
    throw Error("cannot write to event file '" + file_path() + "': it is closed");
  for (const auto& [name, value] : values) {
    const std::string dir = impl_->logdir + "/" + prefix + "_" + name;
    std::unique_ptr<SummaryWriter>& writer = impl_->series[dir];
    if (!writer) writer = std::make_unique<SummaryWriter>(dir, impl_->filename_suffix);
    writer->add_scalar(main_tag, value, step, time);
  }
}

HistogramCounts SummaryWriter::add_histogram(const std::string& tag, const float* values,
                                             std::size_t count, int64_t step,
                                             const HistogramOptions& options,
                                             std::optional<double> walltime) {
  if (options.bins < 0)
    throw Error("histogram '" + tag + "': " + std::to_string(options.bins) +
                " bins; expected 0 (exponential buckets) or more");
  const tensorboard::Histogram h =
      options.bins == 0 ? tensorboard::make_histogram(values, count)
                        : tensorboard::make_histogram_equal_bins(values, count, options.bins);
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  pb::HistogramProto* histo = v->mutable_histo();
  histo->set_min(h.min);
  histo->set_max(h.max);
  histo->set_num(h.num);
  histo->set_sum(h.sum);
  histo->set_sum_squares(h.sum_squares);
  histo->mutable_bucket_limit()->Add(h.bucket_limit.begin(), h.bucket_limit.end());
  histo->mutable_bucket()->Add(h.bucket.begin(), h.bucket.end());
  impl_->write(event, walltime, step);
  return {static_cast<int64_t>(h.num), h.nan_count, h.pos_inf_count, h.neg_inf_count};
}

void SummaryWriter::add_image(const std::string& tag, const float* values, int height, int width,
                              int channels, ImageLayout layout, int64_t step,
                              std::optional<double> walltime) {
  check_image_shape(tag, height, width, channels);
  const std::vector<uint8_t> pixels =
      float_images_to_hwc(values, 1, height, width, channels, layout);
  add_image(tag, pixels.data(), height, width, channels, step, walltime);
}

void SummaryWriter::add_images(const std::string& tag, const float* values, int count, int height,
                               int width, int channels, ImageLayout layout, int64_t step,
                               std::optional<double> walltime, int padding) {
  check_image_shape(tag, height, width, channels);
  if (count < 1) throw Error("images '" + tag + "': expected at least one image");
  const std::vector<uint8_t> pixels =
      float_images_to_hwc(values, count, height, width, channels, layout);
  add_images(tag, pixels.data(), count, height, width, channels, step, walltime, padding);
}

void SummaryWriter::add_images(const std::string& tag, const uint8_t* pixels, int count, int height,
                               int width, int channels, int64_t step,
                               std::optional<double> walltime, int padding) {
  check_image_shape(tag, height, width, channels);
  int grid_height = 0, grid_width = 0;
  const std::vector<uint8_t> grid =
      make_grid(tag, pixels, count, height, width, channels, padding, grid_height, grid_width);
  add_image(tag, grid.data(), grid_height, grid_width, channels, step, walltime);
}

void SummaryWriter::add_text(const std::string& tag, const std::string& text, int64_t step,
                             std::optional<double> walltime) {
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag + "/text_summary");
  // TextPluginData{version: 0} serializes to no bytes.
  v->mutable_metadata()->mutable_plugin_data()->set_plugin_name("text");
  pb::TensorProto* t = v->mutable_tensor();
  t->set_dtype(pb::DT_STRING);
  t->mutable_tensor_shape()->add_dim()->set_size(1);
  t->add_string_val(text);
  impl_->write(event, walltime, step);
}

void SummaryWriter::add_tensor(const std::string& tag, const Tensor& tensor, int64_t step,
                               std::optional<double> walltime) {
  pb::DataType dtype = pb::DT_INVALID;
  if (!tensor_dtype(tensor.dtype(), dtype))
    throw Error("tensor '" + tag + "': cannot write dtype " +
                (tensor.defined() ? dtype_name(tensor.dtype()) : std::string("undefined")));
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->mutable_metadata()->mutable_plugin_data()->set_plugin_name("tensor");
  pb::TensorProto* t = v->mutable_tensor();
  t->set_dtype(dtype);
  for (int64_t size : tensor.shape()) t->mutable_tensor_shape()->add_dim()->set_size(size);
  std::string content(static_cast<const char*>(tensor.raw()), tensor.nbytes());
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  // tensor_content is little-endian; complex numbers swap each part.
  std::size_t element = dtype_size(tensor.dtype());
  if (tensor.dtype() == DType::Complex64 || tensor.dtype() == DType::Complex128) element /= 2;
  for (std::size_t i = 0; i + element <= content.size(); i += element)
    std::reverse(content.begin() + i, content.begin() + i + element);
#endif
  t->set_tensor_content(std::move(content));
  impl_->write(event, walltime, step);
}

EmbeddingFiles SummaryWriter::add_embedding(const std::string& tag, const float* values,
                                            int64_t rows, int64_t dims, int64_t step,
                                            const EmbeddingOptions& options) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (!impl_->file.is_open())
      throw Error("cannot add embedding '" + tag + "' to '" + impl_->logdir +
                  "': the writer is closed");
  }
  return tensorboard::write_embedding(impl_->logdir, tag, values, rows, dims, step, options);
}

void SummaryWriter::flush() {
  {
    std::lock_guard<std::mutex> lock(impl_->series_mutex);
    for (auto& entry : impl_->series) entry.second->flush();
  }
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->file.sync();
}

void SummaryWriter::close() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->series_mutex);
    impl_->series_closed = true;
    for (auto& entry : impl_->series) entry.second->close();
  }
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->file.is_open()) return;
  impl_->file.sync();
  impl_->file.close();
}

const std::string& SummaryWriter::file_path() const { return impl_->file.path(); }

}  // namespace layerscope
