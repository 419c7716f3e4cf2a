// SummaryWriter's add_scalars, add_text, float images, image grids, equal-width histograms and
// add_tensor, checked by decoding the records with a small protobuf wire-format reader written here
// from the public encoding (not the library's generated code) and TensorFlow's field numbers.
#include "model_builder.h"
#include "png_decode.h"
#include "tensorboard/event_reader.h"
#include "tensorboard/record_writer.h"

#include <layerscope/error.h>
#include <layerscope/summary_writer.h>
#include <layerscope/tensor.h>

#include <gtest/gtest.h>

#include <png.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

namespace layerscope {
namespace {

using test::decode_png;
using test::DecodedPng;

using test::TempDir;
namespace tb = tensorboard;

// --- a minimal protobuf wire-format reader ---

struct Field {
  int number = 0, wire = 0;
  uint64_t scalar = 0;  // varint, or the bits of a fixed32/fixed64
  std::string bytes;    // length-delimited
};

uint64_t read_varint(const std::string& s, std::size_t& at) {
  uint64_t v = 0;
  for (int shift = 0; at < s.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(s[at++]);
    v |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  ADD_FAILURE() << "truncated varint";
  return v;
}

uint64_t read_le(const std::string& s, std::size_t& at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t(static_cast<unsigned char>(s[at + i])) << (8 * i);
  at += bytes;
  return v;
}

std::vector<Field> parse(const std::string& message) {
  std::vector<Field> fields;
  std::size_t at = 0;
  while (at < message.size()) {
    const uint64_t key = read_varint(message, at);
    Field f;
    f.number = static_cast<int>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    if (f.wire == 0) {
      f.scalar = read_varint(message, at);
    } else if (f.wire == 1) {
      f.scalar = read_le(message, at, 8);
    } else if (f.wire == 5) {
      f.scalar = read_le(message, at, 4);
    } else if (f.wire == 2) {
      const uint64_t n = read_varint(message, at);
      EXPECT_LE(at + n, message.size());
      f.bytes = message.substr(at, n);
      at += n;
    } else {
      ADD_FAILURE() << "wire type " << f.wire;
      break;
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

std::vector<Field> all(const std::string& message, int number) {
  std::vector<Field> out;
  for (Field& f : parse(message))
    if (f.number == number) out.push_back(std::move(f));
  return out;
}
// The single occurrence of a field (proto3: absent means default).
Field one(const std::string& message, int number) {
  std::vector<Field> fields = all(message, number);
  EXPECT_LE(fields.size(), 1u) << "field " << number;
  return fields.empty() ? Field{} : fields[0];
}
std::vector<double> packed_doubles(const std::string& bytes) {
  std::vector<double> out(bytes.size() / 8);
  std::memcpy(out.data(), bytes.data(), out.size() * 8);
  return out;
}

// Event {summary = 5}; Summary {value = 1}: the Summary.Value messages of every event after the
// first (the file version).
std::vector<std::string> summary_values(const std::string& path) {
  std::vector<std::string> values;
  const tb::RecordFile file = tb::read_records(path);
  EXPECT_FALSE(file.truncated);
  for (std::size_t i = 1; i < file.records.size(); ++i)
    for (const Field& v : all(one(file.records[i], 5).bytes, 1)) values.push_back(v.bytes);
  return values;
}

// Summary.Value {metadata = 9}; SummaryMetadata {plugin_data = 1}; PluginData {plugin_name = 1}.
std::string plugin_name(const std::string& value) {
  return one(one(one(value, 9).bytes, 1).bytes, 1).bytes;
}
std::string plugin_content(const std::string& value) {
  return one(one(one(value, 9).bytes, 1).bytes, 2).bytes;
}

std::vector<int64_t> tensor_dims(const std::string& tensor) {  // TensorProto {tensor_shape = 2}
  std::vector<int64_t> dims;
  for (const Field& dim : all(one(tensor, 2).bytes, 2))
    dims.push_back(static_cast<int64_t>(one(dim.bytes, 1).scalar));
  return dims;
}

// The image of the value at `index` (Summary.Value {image = 4}; Image {height = 1, width = 2,
// colorspace = 3, encoded_image_string = 4}), decoded, its header checked against the PNG.
DecodedPng image_value(const std::string& value) {
  const std::string image = one(value, 4).bytes;
  DecodedPng d = decode_png(one(image, 4).bytes);
  EXPECT_EQ(int(one(image, 1).scalar), d.height);
  EXPECT_EQ(int(one(image, 2).scalar), d.width);
  EXPECT_EQ(int(one(image, 3).scalar), d.channels);
  return d;
}

std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  return files;
}

// PyTorch's float-to-byte, written out: (v * 255).clip(0, 255).astype(uint8).
uint8_t expected_byte(float v) {
  const float scaled = v * 255.0f;
  if (std::isnan(scaled)) return 0;
  return static_cast<uint8_t>(std::min(255.0f, std::max(0.0f, scaled)));
}

// --- add_scalars ---

TEST(SummaryWriterMore, AddScalarsKeepsEverySeriesOneFolderInsideTheLogdir) {
  TempDir dir;
  const std::string logdir = dir.path() + "/run";
  SummaryWriter writer(logdir);
  writer.add_scalars("loss", {{"../../escape", 1.0}, {"a/b", 2.0}}, 0);
  writer.close();
  EXPECT_TRUE(std::filesystem::is_directory(logdir + "/loss_.._.._escape"));
  EXPECT_TRUE(std::filesystem::is_directory(logdir + "/loss_a_b"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/escape"));
  EXPECT_FALSE(std::filesystem::exists(logdir + "/loss_a"));
}

TEST(SummaryWriterMore, AddScalarsWritesOneRunPerSeries) {
  TempDir dir;
  const std::string logdir = dir.path() + "/run";
  SummaryWriter writer(logdir);
  writer.add_scalars("loss/total", {{"train", 1.5}, {"val", 2.5}}, 3, 100.0);
  writer.add_scalars("loss/total", {{"train", 0.5}, {"val", -1.0}}, 4);
  writer.flush();
  writer.close();
  EXPECT_THROW(writer.add_scalars("loss/total", {{"train", 1}}, 5), Error);

  EXPECT_EQ(tb::read_events(writer.file_path()).events.size(), 1u);  // only the file version
  const std::map<std::string, std::pair<double, double>> expected = {{"train", {1.5, 0.5}},
                                                                     {"val", {2.5, -1.0}}};
  for (const auto& [name, values] : expected) {
    const std::string series = logdir + "/loss_total_" + name;
    ASSERT_TRUE(std::filesystem::is_directory(series)) << series;
    const std::vector<std::string> files = event_files(series);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(std::filesystem::path(files[0]).filename().string().rfind("events.out.tfevents.", 0),
              0u);
    const tb::EventFile file = tb::read_events(files[0]);
    ASSERT_EQ(file.events.size(), 3u);
    EXPECT_EQ(file.events[0].file_version, "brain.Event:2");
    EXPECT_EQ(file.events[1].step, 3);
    EXPECT_EQ(file.events[1].wall_time, 100.0);
    EXPECT_EQ(file.events[1].values.at(0).tag, "loss/total");
    EXPECT_EQ(file.events[1].values.at(0).kind, tb::SummaryValue::Kind::Scalar);
    EXPECT_EQ(file.events[1].values.at(0).scalar, values.first);
    EXPECT_EQ(file.events[2].step, 4);
    EXPECT_EQ(file.events[2].values.at(0).scalar, values.second);
  }
}

// --- add_text ---

TEST(SummaryWriterMore, AddTextIsTheTextPluginsStringTensor) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const std::string text = "héllo\n**world** \xe2\x9c\x93";
  writer.add_text("notes", text, 2);
  writer.close();
  const std::vector<std::string> values = summary_values(writer.file_path());
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(one(values[0], 1).bytes, "notes/text_summary");
  EXPECT_EQ(plugin_name(values[0]), "text");
  EXPECT_EQ(plugin_content(values[0]), "");  // TextPluginData{version: 0}
  const std::string tensor = one(values[0], 8).bytes;
  EXPECT_EQ(one(tensor, 1).scalar, 7u);  // DT_STRING
  EXPECT_EQ(tensor_dims(tensor), std::vector<int64_t>{1});
  const std::vector<Field> strings = all(tensor, 8);  // string_val
  ASSERT_EQ(strings.size(), 1u);
  EXPECT_EQ(strings[0].bytes, text);

  const tb::SummaryValue v = tb::read_events(writer.file_path()).events.at(1).values.at(0);
  EXPECT_EQ(v.kind, tb::SummaryValue::Kind::Tensor);
  EXPECT_EQ(v.plugin_name, "text");
}

// --- float images and grids ---

TEST(SummaryWriterMore, FloatImagesInEitherLayoutAreScaledAsPyTorchDoes) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const int height = 3, width = 5;
  const float specials[] = {-0.5f, 1.5f, std::nanf(""), 0.5f, 1.0f, 0.0f, 0.999f, 0.002f};
  std::vector<std::vector<uint8_t>> expected;  // HWC bytes per value written
  int index = 0;
  for (int channels = 1; channels <= 4; ++channels)
    for (ImageLayout layout : {ImageLayout::HWC, ImageLayout::CHW}) {
      std::vector<float> values(height * width * channels);
      for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = i < 8 ? specials[(i + index) % 8] : float((i * 7 + index) % 23) / 22.0f;
      std::vector<uint8_t> hwc(values.size());
      for (int c = 0; c < channels; ++c)
        for (int p = 0; p < height * width; ++p) {
          const float v = layout == ImageLayout::HWC ? values[p * channels + c]
                                                     : values[c * height * width + p];
          hwc[p * channels + c] = expected_byte(v);
        }
      writer.add_image("img" + std::to_string(index), values.data(), height, width, channels,
                       layout, index);
      expected.push_back(hwc);
      ++index;
    }
  EXPECT_THROW(writer.add_image("bad", specials, 1, 1, 5, ImageLayout::CHW, 0), Error);
  writer.close();
  const std::vector<std::string> values = summary_values(writer.file_path());
  ASSERT_EQ(values.size(), expected.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(one(values[i], 1).bytes, "img" + std::to_string(i));
    const DecodedPng d = image_value(values[i]);
    EXPECT_EQ(d.height, height);
    EXPECT_EQ(d.width, width);
    EXPECT_EQ(d.channels, int(i / 2) + 1);
    EXPECT_EQ(d.pixels, expected[i]) << "image " << i;
  }
  EXPECT_EQ(expected_byte(0.5f), 127);  // truncated, not rounded
}

TEST(SummaryWriterMore, ImagesMakeANearSquarePaddedGrid) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  // Five 3x4 gray images: 3 columns, 2 rows, 2 pixels of padding.
  const int count = 5, height = 3, width = 4;
  std::vector<uint8_t> pixels(count * height * width);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i + 1);
  writer.add_images("grid", pixels.data(), count, height, width, 1, 0);
  // Four 2x2 RGB images in CHW floats, padding 1: a 2x2 grid of 7x7 pixels.
  std::vector<float> planes(4 * 3 * 2 * 2);
  for (std::size_t i = 0; i < planes.size(); ++i) planes[i] = float(i + 1) / 64.0f;
  writer.add_images("rgb", planes.data(), 4, 2, 2, 3, ImageLayout::CHW, 1, std::nullopt, 1);
  writer.add_images("one", pixels.data(), 1, height, width, 1, 2, std::nullopt, 0);
  EXPECT_THROW(writer.add_images("none", pixels.data(), 0, height, width, 1, 3), Error);
  writer.close();

  const std::vector<std::string> values = summary_values(writer.file_path());
  ASSERT_EQ(values.size(), 3u);
  const DecodedPng gray = image_value(values[0]);
  ASSERT_EQ(gray.height, 2 * (height + 2) + 2);
  ASSERT_EQ(gray.width, 3 * (width + 2) + 2);
  ASSERT_EQ(gray.channels, 1);
  std::vector<uint8_t> expected(gray.pixels.size(), 0);
  for (int n = 0; n < count; ++n)
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x)
        expected[(2 + (n / 3) * (height + 2) + y) * gray.width + 2 + (n % 3) * (width + 2) + x] =
            pixels[(n * height + y) * width + x];
  EXPECT_EQ(gray.pixels, expected);

  const DecodedPng rgb = image_value(values[1]);
  ASSERT_EQ(rgb.height, 7);
  ASSERT_EQ(rgb.width, 7);
  ASSERT_EQ(rgb.channels, 3);
  for (int n = 0; n < 4; ++n)
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 4; ++p) {
        const int y = 1 + (n / 2) * 3 + p / 2, x = 1 + (n % 2) * 3 + p % 2;
        EXPECT_EQ(rgb.pixels[(y * 7 + x) * 3 + c], expected_byte(planes[(n * 3 + c) * 4 + p]))
            << n << " " << c << " " << p;
      }
  for (int i = 0; i < 7; ++i)  // padding rows and columns
    for (int k : {0, 3, 6})
      for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(rgb.pixels[(k * 7 + i) * 3 + c], 0);
        EXPECT_EQ(rgb.pixels[(i * 7 + k) * 3 + c], 0);
      }

  const DecodedPng single = image_value(values[2]);
  EXPECT_EQ(single.height, height);
  EXPECT_EQ(single.width, width);
  EXPECT_EQ(single.pixels, std::vector<uint8_t>(pixels.begin(), pixels.begin() + height * width));
}

// --- equal-width histograms ---

TEST(SummaryWriterMore, HistogramWithNBinsHasEqualWidthEdgesAsNumpy) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> values = {4.0f, 0.0f, 1.0f, nan, 2.0f, 3.0f, 4.0f, 0.999f};
  const HistogramCounts counts =
      writer.add_histogram("h", values.data(), values.size(), 1, HistogramOptions{4});
  EXPECT_EQ(counts.finite, 7);
  EXPECT_EQ(counts.nan, 1);
  const std::vector<float> same = {2.0f, 2.0f};
  writer.add_histogram("same", same.data(), same.size(), 2, HistogramOptions{2});
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> random(10000);
  for (float& v : random) v = normal(rng);
  writer.add_histogram("random", random.data(), random.size(), 3, HistogramOptions{30});
  writer.add_histogram("default", values.data(), values.size(), 4, HistogramOptions{});
  EXPECT_THROW(writer.add_histogram("bad", values.data(), values.size(), 5, HistogramOptions{-1}),
               Error);
  writer.close();

  const std::vector<std::string> written = summary_values(writer.file_path());
  ASSERT_EQ(written.size(), 4u);
  const auto histo = [&](std::size_t i) { return one(written[i], 5).bytes; };
  const auto f64 = [](const Field& f) {
    double d;
    std::memcpy(&d, &f.scalar, 8);
    return d;
  };
  // HistogramProto {min = 1, max = 2, num = 3, sum = 4, sum_squares = 5, bucket_limit = 6,
  // bucket = 7}
  EXPECT_EQ(f64(one(histo(0), 1)), 0.0);
  EXPECT_EQ(f64(one(histo(0), 2)), 4.0);
  EXPECT_EQ(f64(one(histo(0), 3)), 7.0);
  EXPECT_EQ(packed_doubles(one(histo(0), 6).bytes), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(packed_doubles(one(histo(0), 7).bytes), (std::vector<double>{0, 2, 1, 1, 3}));
  // One distinct value: numpy widens the range to +-0.5.
  EXPECT_EQ(packed_doubles(one(histo(1), 6).bytes), (std::vector<double>{1.5, 2.0, 2.5}));
  EXPECT_EQ(packed_doubles(one(histo(1), 7).bytes), (std::vector<double>{0, 0, 2}));

  const std::vector<double> edges = packed_doubles(one(histo(2), 6).bytes);
  const std::vector<double> bins = packed_doubles(one(histo(2), 7).bytes);
  ASSERT_EQ(edges.size(), 31u);
  ASSERT_EQ(bins.size(), 31u);
  const double lo = *std::min_element(random.begin(), random.end());
  const double hi = *std::max_element(random.begin(), random.end());
  EXPECT_EQ(edges.front(), lo);
  EXPECT_EQ(edges.back(), hi);
  EXPECT_EQ(bins[0], 0);
  std::vector<double> reference(31, 0);  // each value in the bin [edge[i], edge[i+1]), last closed
  for (float v : random) {
    std::size_t b = 1;
    while (b < 30 && !(double(v) < edges[b])) ++b;
    reference[b] += 1;
  }
  for (std::size_t i = 1; i < 30; ++i)
    EXPECT_NEAR(edges[i], lo + double(i) * (hi - lo) / 30, 1e-12) << i;
  EXPECT_EQ(bins, reference);
  // bins = 0 is the default exponential scheme: many more limits than 5.
  EXPECT_GT(packed_doubles(one(histo(3), 6).bytes).size(), 5u);
}

// --- add_tensor ---

template <typename T>
std::string little_endian_bytes(const std::vector<T>& values) {
  std::string out;
  for (T v : values) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof v);
    for (std::size_t i = 0; i < sizeof v; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  return out;
}

TEST(SummaryWriterMore, AddTensorWritesDtypeShapeAndLittleEndianContent) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  Tensor f = Tensor::zeros(DType::Float32, {2, 3});
  const std::vector<float> fv = {1.5f, -2.0f, 0.0f, 3.25f, 1e-7f, -1e30f};
  std::copy(fv.begin(), fv.end(), f.data<float>());
  Tensor d = Tensor::zeros(DType::Float64, {});
  d.data<double>()[0] = -0.125;
  Tensor i = Tensor::zeros(DType::Int64, {4, 1});
  const std::vector<int64_t> iv = {1, -1, int64_t(1) << 40, 0};
  std::copy(iv.begin(), iv.end(), i.data<int64_t>());
  Tensor s = Tensor::zeros(DType::Int32, {0, 2});
  writer.add_tensor("f", f, 1);
  writer.add_tensor("d", d, 2);
  writer.add_tensor("i", i, 3);
  writer.add_tensor("empty", s, 4);
  EXPECT_THROW(writer.add_tensor("undefined", Tensor(), 5), Error);
  writer.close();

  const std::vector<std::string> values = summary_values(writer.file_path());
  ASSERT_EQ(values.size(), 4u);
  struct Expected {
    std::string tag;
    uint64_t dtype;
    std::vector<int64_t> dims;
    std::string content;
  };
  const std::vector<Expected> expected = {
      {"f", 1, {2, 3}, little_endian_bytes(fv)},                       // DT_FLOAT
      {"d", 2, {}, little_endian_bytes(std::vector<double>{-0.125})},  // DT_DOUBLE
      {"i", 9, {4, 1}, little_endian_bytes(iv)},                       // DT_INT64
      {"empty", 3, {0, 2}, ""},                                        // DT_INT32
  };
  for (std::size_t k = 0; k < values.size(); ++k) {
    EXPECT_EQ(one(values[k], 1).bytes, expected[k].tag);
    EXPECT_EQ(plugin_name(values[k]), "tensor");
    const std::string tensor = one(values[k], 8).bytes;
    EXPECT_EQ(one(tensor, 1).scalar, expected[k].dtype) << expected[k].tag;
    EXPECT_EQ(tensor_dims(tensor), expected[k].dims) << expected[k].tag;
    EXPECT_EQ(one(tensor, 4).bytes, expected[k].content) << expected[k].tag;
  }
}

}  // namespace
}  // namespace layerscope
