// SummaryWriter: builds Event protos (our own tensorboard/proto/*.proto) and hands them to a
// RecordWriter under a mutex. Serialization and PNG encoding happen outside the lock.
#include <layerscope/error.h>
#include <layerscope/summary_writer.h>

#include "tensorboard/histogram.h"
#include "tensorboard/proto/event.pb.h"
#include "tensorboard/record_writer.h"

#include <png.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
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

std::string encode_png(const uint8_t* pixels, int height, int width, int channels,
                       const std::string& tag) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  static const png_uint_32 formats[] = {PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB,
                                        PNG_FORMAT_RGBA};
  image.format = formats[channels - 1];
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels, 0, nullptr))
    throw Error("cannot encode image '" + tag + "' as PNG: " + image.message);
  std::string png(size, '\0');
  if (!png_image_write_to_memory(&image, png.data(), &size, 0, pixels, 0, nullptr))
    throw Error("cannot encode image '" + tag + "' as PNG: " + image.message);
  png.resize(size);
  return png;
}

}  // namespace

struct SummaryWriter::Impl {
  std::mutex mutex;
  tensorboard::RecordWriter file{-1, ""};

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
  const tensorboard::Histogram h = tensorboard::make_histogram(values, count);
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

void SummaryWriter::add_image(const std::string& tag, const uint8_t* pixels, int height, int width,
                              int channels, int64_t step, std::optional<double> walltime) {
  if (channels < 1 || channels > 4)
    throw Error("image '" + tag + "' has " + std::to_string(channels) +
                " channels; expected 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)");
  if (height <= 0 || width <= 0)
    throw Error("image '" + tag + "' is " + std::to_string(height) + "x" + std::to_string(width) +
                "; expected at least 1x1");
  pb::Event event;
  pb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  pb::Summary::Image* image = v->mutable_image();
  image->set_height(height);
  image->set_width(width);
  image->set_colorspace(channels);
  image->set_encoded_image_string(encode_png(pixels, height, width, channels, tag));
  impl_->write(event, walltime, step);
}

void SummaryWriter::flush() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->file.sync();
}

void SummaryWriter::close() {
  if (!impl_) return;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->file.is_open()) return;
  impl_->file.sync();
  impl_->file.close();
}

const std::string& SummaryWriter::file_path() const { return impl_->file.path(); }

}  // namespace layerscope
