// SummaryWriter: builds Event protos (our own tensorboard/proto/*.proto) and hands their bytes to a
// BufferedRecordWriter. Serialization, PNG encoding and the CRCs happen outside any lock.
#include <layerscope/error.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>

#include "tensorboard/buffered_record_writer.h"
#include "tensorboard/graph_def.h"
#include "tensorboard/histogram.h"
#include "tensorboard/png_encoder.h"
#include "tensorboard/projector.h"
#include "tensorboard/proto/event.pb.h"
#include "tensorboard/record_writer.h"
#include "tensorboard/summary_writer_access.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>
#include <utility>

namespace layerscope {
namespace {

namespace pb = ::tensorboard;  // the generated messages
namespace tf = ::tensorflow;   // TensorFlow's messages they contain

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// Index of the first byte of `text` that does not start a well-formed UTF-8 sequence (shortest
// form, no surrogates, at most U+10FFFF), or npos when it is all UTF-8.
std::size_t first_invalid_utf8(const std::string& text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    int extra = 0;
    uint32_t lowest = 0;  // the smallest code point this length may encode
    uint32_t code = c;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, lowest = 0x80, code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, lowest = 0x800, code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, lowest = 0x10000, code = c & 0x07;
    } else {
      return i;
    }
    if (n - i <= static_cast<std::size_t>(extra)) return i;
    for (int k = 1; k <= extra; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return i;
      code = (code << 6) | (p[i + k] & 0x3f);
    }
    if (code < lowest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += 1 + extra;
  }
  return std::string::npos;
}

// Tags become protobuf `string` fields, which readers refuse unless they are UTF-8.
void check_tag(const std::string& tag) {
  if (tag.empty()) throw Error("empty tag; expected a name such as 'loss' or 'layer1/conv'");
  const std::size_t bad = first_invalid_utf8(tag);
  if (bad != std::string::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(tag[bad]));
    throw Error("tag is not valid UTF-8 (byte " + std::to_string(bad) + " of " +
                std::to_string(tag.size()) + " is " + byte + "); expected a UTF-8 string");
  }
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

bool tensor_dtype(DType dtype, tf::DataType& out) {
  switch (dtype) {
    case DType::Float32:
      out = tf::DT_FLOAT;
      return true;
    case DType::Float64:
      out = tf::DT_DOUBLE;
      return true;
    case DType::Float16:
      out = tf::DT_HALF;
      return true;
    case DType::BFloat16:
      out = tf::DT_BFLOAT16;
      return true;
    case DType::Int8:
      out = tf::DT_INT8;
      return true;
    case DType::UInt8:
      out = tf::DT_UINT8;
      return true;
    case DType::Int16:
      out = tf::DT_INT16;
      return true;
    case DType::UInt16:
      out = tf::DT_UINT16;
      return true;
    case DType::Int32:
      out = tf::DT_INT32;
      return true;
    case DType::UInt32:
      out = tf::DT_UINT32;
      return true;
    case DType::Int64:
      out = tf::DT_INT64;
      return true;
    case DType::UInt64:
      out = tf::DT_UINT64;
      return true;
    case DType::Bool:
      out = tf::DT_BOOL;
      return true;
    case DType::Complex64:
      out = tf::DT_COMPLEX64;
      return true;
    case DType::Complex128:
      out = tf::DT_COMPLEX128;
      return true;
    default:
      return false;
  }
}

}  // namespace

struct SummaryWriter::Impl {
  std::unique_ptr<tensorboard::BufferedRecordWriter> file;
  // add_scalars(): one writer per series directory, closed with this one.
  std::string logdir;
  SummaryWriterOptions options;
  std::mutex series_mutex;
  std::map<std::string, std::unique_ptr<SummaryWriter>> series;
  bool series_closed = false;

  void write(pb::Event& event, std::optional<double> walltime, int64_t step) {
    event.set_wall_time(walltime ? *walltime : now_seconds());
    event.set_step(step);
    file->add(event.SerializeAsString());
  }
};

SummaryWriter::SummaryWriter(const std::string& logdir, const std::string& filename_suffix)
    : SummaryWriter(logdir, SummaryWriterOptions{filename_suffix}) {}

SummaryWriter::SummaryWriter(const std::string& logdir, const SummaryWriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->logdir = logdir;
  impl_->options = options;
  const std::string& filename_suffix = options.filename_suffix;
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
  std::optional<tensorboard::RecordWriter> file;
  for (int attempt = 0; !file; ++attempt) {
    const std::string suffix =
        (attempt == 0 ? "" : "." + std::to_string(attempt)) + filename_suffix;
    if (attempt == 1000)
      file = tensorboard::RecordWriter::create(stem + suffix);  // throws: exists
    else
      file = tensorboard::RecordWriter::create_if_new(stem + suffix);
  }
  tensorboard::BufferOptions buffer;
  buffer.flush_seconds = options.flush_seconds;
  buffer.buffer_bytes = options.buffer_bytes;
  impl_->file = std::make_unique<tensorboard::BufferedRecordWriter>(std::move(*file), buffer);
  // The first record goes out at once: the file is a valid event file from the start.
  pb::Event event;
  event.set_file_version("brain.Event:2");
  impl_->write(event, start, 0);
  impl_->file->flush(/*sync=*/false);
}

SummaryWriter::~SummaryWriter() {
  if (!impl_) return;
  // A failed write that was never thrown to the caller must not vanish silently.
  const bool told = impl_->file && impl_->file->failure_reported();
  try {
    close();
  } catch (const std::exception& e) {
    if (!told) std::fprintf(stderr, "layerscope: %s\n", e.what());
  }
}

SummaryWriter::SummaryWriter(SummaryWriter&&) noexcept = default;
SummaryWriter& SummaryWriter::operator=(SummaryWriter&&) noexcept = default;

void SummaryWriter::add_scalar(const std::string& tag, double value, int64_t step,
                               std::optional<double> walltime) {
  check_tag(tag);
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
  check_tag(tag);
  check_image_shape(tag, height, width, channels);
  tensorboard::EncodedImage image{
      tensorboard::encode_png(pixels, height, width, channels, "image '" + tag + "'"), height,
      width, channels};
  tensorboard::SummaryWriterAccess::write_image(*this, tag, std::move(image), step, walltime);
}

void SummaryWriter::add_graph(const Graph& graph, std::optional<double> walltime) {
  pb::Event event;
  event.set_graph_def(tensorboard::serialize_graph_def(graph));
  impl_->write(event, walltime, 0);
}

void SummaryWriter::add_scalars(const std::string& main_tag,
                                const std::map<std::string, double>& values, int64_t step,
                                std::optional<double> walltime) {
  check_tag(main_tag);
  const double time = walltime ? *walltime : now_seconds();
  std::string prefix = main_tag;
  std::replace(prefix.begin(), prefix.end(), '/', '_');
  std::lock_guard<std::mutex> lock(impl_->series_mutex);
  if (impl_->series_closed)
    throw Error("cannot write to event file '" + file_path() + "': it is closed");
  for (const auto& [name, value] : values) {
    // '/' in a series name would nest runs (or, with "..", climb out of the logdir).
    std::string series = name;
    std::replace(series.begin(), series.end(), '/', '_');
    const std::string dir = impl_->logdir + "/" + prefix + "_" + series;
    std::unique_ptr<SummaryWriter>& writer = impl_->series[dir];
    if (!writer) writer = std::make_unique<SummaryWriter>(dir, impl_->options);
    writer->add_scalar(main_tag, value, step, time);
  }
}

HistogramCounts SummaryWriter::add_histogram(const std::string& tag, const float* values,
                                             std::size_t count, int64_t step,
                                             const HistogramOptions& options,
                                             std::optional<double> walltime) {
  check_tag(tag);
  if (options.bins < 0)
    throw Error("histogram '" + tag + "': " + std::to_string(options.bins) +
                " bins; expected 0 (exponential buckets) or more");
  const tensorboard::Histogram h =
      options.bins > 0       ? tensorboard::make_histogram_equal_bins(values, count, options.bins)
      : options.parallel_for ? tensorboard::make_histogram(values, count, *options.parallel_for)
                             : tensorboard::make_histogram(values, count);
  tensorboard::SummaryWriterAccess::write_histogram(*this, tag, h, step, walltime);
  return tensorboard::histogram_counts(h);
}

void SummaryWriter::add_image(const std::string& tag, const float* values, int height, int width,
                              int channels, ImageLayout layout, int64_t step,
                              std::optional<double> walltime) {
  check_tag(tag);
  check_image_shape(tag, height, width, channels);
  const std::vector<uint8_t> pixels =
      float_images_to_hwc(values, 1, height, width, channels, layout);
  add_image(tag, pixels.data(), height, width, channels, step, walltime);
}

void SummaryWriter::add_images(const std::string& tag, const float* values, int count, int height,
                               int width, int channels, ImageLayout layout, int64_t step,
                               std::optional<double> walltime, int padding) {
  check_tag(tag);
  check_image_shape(tag, height, width, channels);
  if (count < 1) throw Error("images '" + tag + "': expected at least one image");
  const std::vector<uint8_t> pixels =
      float_images_to_hwc(values, count, height, width, channels, layout);
  add_images(tag, pixels.data(), count, height, width, channels, step, walltime, padding);
}

void SummaryWriter::add_images(const std::string& tag, const uint8_t* pixels, int count, int height,
                               int width, int channels, int64_t step,
                               std::optional<double> walltime, int padding) {
  check_tag(tag);
  tensorboard::SummaryWriterAccess::write_image(
      *this, tag,
      tensorboard::encode_image_grid(tag, pixels, count, height, width, channels, padding), step,
      walltime);
}

void SummaryWriter::add_text(const std::string& tag, const std::string& text, int64_t step,
                             std::optional<double> walltime) {
  check_tag(tag);
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag + "/text_summary");
  // TextPluginData{version: 0} serializes to no bytes.
  v->mutable_metadata()->mutable_plugin_data()->set_plugin_name("text");
  tf::TensorProto* t = v->mutable_tensor();
  t->set_dtype(tf::DT_STRING);
  t->mutable_tensor_shape()->add_dim()->set_size(1);
  t->add_string_val(text);
  impl_->write(event, walltime, step);
}

void SummaryWriter::add_tensor(const std::string& tag, const Tensor& tensor, int64_t step,
                               std::optional<double> walltime) {
  check_tag(tag);
  tf::DataType dtype = tf::DT_INVALID;
  if (!tensor_dtype(tensor.dtype(), dtype))
    throw Error("tensor '" + tag + "': cannot write dtype " +
                (tensor.defined() ? dtype_name(tensor.dtype()) : std::string("undefined")));
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->mutable_metadata()->mutable_plugin_data()->set_plugin_name("tensor");
  tf::TensorProto* t = v->mutable_tensor();
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
  if (impl_->file->closed())
    throw Error("cannot add embedding '" + tag + "' to '" + impl_->logdir +
                "': the writer is closed");
  return tensorboard::write_embedding(impl_->logdir, tag, values, rows, dims, step, options);
}

void SummaryWriter::flush() {
  {
    std::lock_guard<std::mutex> lock(impl_->series_mutex);
    for (auto& entry : impl_->series) entry.second->flush();
  }
  impl_->file->flush();
}

void SummaryWriter::close() {
  if (!impl_) return;
  // Every file is closed even when one fails; the first failure is thrown, this file's first.
  std::exception_ptr failure;
  {
    std::lock_guard<std::mutex> lock(impl_->series_mutex);
    impl_->series_closed = true;
    for (auto& entry : impl_->series) {
      try {
        entry.second->close();
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
    }
  }
  try {
    impl_->file->close();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) std::rethrow_exception(failure);
}

const std::string& SummaryWriter::file_path() const { return impl_->file->path(); }

namespace tensorboard {

EncodedImage encode_image_grid(const std::string& tag, const uint8_t* pixels, int count, int height,
                               int width, int channels, int padding) {
  check_image_shape(tag, height, width, channels);
  EncodedImage image;
  image.channels = channels;
  const std::vector<uint8_t> grid =
      make_grid(tag, pixels, count, height, width, channels, padding, image.height, image.width);
  image.png = encode_png(grid.data(), image.height, image.width, channels, "image '" + tag + "'");
  return image;
}

HistogramCounts histogram_counts(const Histogram& h) {
  return {static_cast<int64_t>(h.num),
          h.nan_count,
          h.pos_inf_count,
          h.neg_inf_count,
          h.zero_count,
          h.sum,
          h.sum_squares,
          h.min,
          h.max};
}

void SummaryWriterAccess::write_histogram(SummaryWriter& writer, const std::string& tag,
                                          const Histogram& h, int64_t step,
                                          std::optional<double> walltime) {
  check_tag(tag);
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
  writer.impl_->write(event, walltime, step);
}

void SummaryWriterAccess::write_image(SummaryWriter& writer, const std::string& tag,
                                      EncodedImage image, int64_t step,
                                      std::optional<double> walltime) {
  check_tag(tag);
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  pb::Summary::Image* out = v->mutable_image();
  out->set_height(image.height);
  out->set_width(image.width);
  out->set_colorspace(image.channels);
  out->set_encoded_image_string(std::move(image.png));
  writer.impl_->write(event, walltime, step);
}

}  // namespace tensorboard
}  // namespace layerscope
