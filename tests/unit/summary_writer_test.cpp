// SummaryWriter, TFRecord framing and the event reader, checked against the public formats: the
// expected bytes are assembled here from the TFRecord layout and protobuf's wire format, not with
// the library's own encoder.
#include "io/crc32c.h"
#include "model_builder.h"
#include "tensorboard/event_reader.h"
#include "tensorboard/histogram.h"
#include "tensorboard/record_writer.h"

#include <layerscope/error.h>
#include <layerscope/summary_writer.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <regex>
#include <set>
#include <thread>

namespace layerscope {
namespace {

using test::TempDir;
namespace tb = tensorboard;

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// --- an independent encoder: TFRecord framing and protobuf wire format, from the public specs ---

// CRC32C bit by bit (reflected Castagnoli polynomial), slower than any table and obviously right.
uint32_t reference_crc32c(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint32_t reference_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

std::string le(uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

std::string reference_record(const std::string& data) {
  const std::string length = le(data.size(), 8);
  return length + le(reference_mask(reference_crc32c(length)), 4) + data +
         le(reference_mask(reference_crc32c(data)), 4);
}

std::string varint(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out += static_cast<char>((v & 0x7f) | 0x80);
  return out + static_cast<char>(v);
}
std::string key(int field, int wire_type) { return varint((field << 3) | wire_type); }
std::string f64(int field, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  return key(field, 1) + le(bits, 8);
}
std::string f32(int field, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  return key(field, 5) + le(bits, 4);
}
std::string bytes_field(int field, const std::string& v) {
  return key(field, 2) + varint(v.size()) + v;
}
std::string packed_doubles(int field, const std::vector<double>& values) {
  std::string payload;
  for (double v : values) payload += f64(1, v).substr(1);  // the 8 bytes without a key
  return bytes_field(field, payload);
}
// proto3 leaves out fields holding their default value.
std::string f64_unless_zero(int field, double v) { return v == 0 ? "" : f64(field, v); }
std::string step_field(int64_t step) {
  return step == 0 ? "" : key(2, 0) + varint(static_cast<uint64_t>(step));
}

// Event {wall_time = 1, step = 2, file_version = 3, summary = 5}; Summary {value = 1};
// Summary.Value {tag = 1, simple_value = 2, histo = 5}; HistogramProto {min..sum_squares = 1..5,
// bucket_limit = 6, bucket = 7}: TensorFlow's public field numbers.
std::string file_version_event(double wall_time) {
  return f64(1, wall_time) + bytes_field(3, "brain.Event:2");
}
std::string summary_event(double wall_time, int64_t step, const std::string& value) {
  return f64(1, wall_time) + step_field(step) + bytes_field(5, bytes_field(1, value));
}
std::string scalar_value(const std::string& tag, float v) {
  return bytes_field(1, tag) + f32(2, v);
}

// TensorFlow's default bucket limits, built from its published description.
std::vector<double> tensorflow_limits() {
  std::vector<double> positive;
  double v = 1e-12;
  while (v < 1e20) {
    positive.push_back(v);
    v *= 1.1;
  }
  positive.push_back(DBL_MAX);
  std::vector<double> limits;
  for (auto it = positive.rbegin(); it != positive.rend(); ++it) limits.push_back(-*it);
  limits.push_back(0);
  limits.insert(limits.end(), positive.begin(), positive.end());
  return limits;
}

struct ExpectedHistogram {
  std::vector<double> limits, counts;
};
// Binning by std::upper_bound and TensorFlow's merging of empty runs.
ExpectedHistogram tensorflow_histogram(const std::vector<float>& values) {
  const std::vector<double> limits = tensorflow_limits();
  std::vector<double> counts(limits.size());
  for (float v : values)
    counts[std::upper_bound(limits.begin(), limits.end(), double(v)) - limits.begin()] += 1;
  ExpectedHistogram out;
  for (std::size_t i = 0; i < counts.size();) {
    double end = limits[i], count = counts[i];
    ++i;
    if (count <= 0)
      while (i < counts.size() && counts[i] <= 0) end = limits[i], count = counts[i], ++i;
    out.limits.push_back(end);
    out.counts.push_back(count);
  }
  return out;
}

std::string only_event_file(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files.push_back(entry.path().string());
  EXPECT_EQ(files.size(), 1u);
  return files.empty() ? "" : files[0];
}

// --- CRC32C and framing ---

void expect_known_crc32c_vectors(uint32_t (*crc)(const void*, std::size_t)) {
  EXPECT_EQ(crc("123456789", 9), 0xE3069283u);
  const std::string zeros(32, '\0'), ones(32, '\xff');
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) ascending += static_cast<char>(i), descending += char(31 - i);
  EXPECT_EQ(crc(zeros.data(), 32), 0x8A9136AAu);  // RFC 3720, B.4
  EXPECT_EQ(crc(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc(ascending.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc(descending.data(), 32), 0x113FDB5Cu);
  EXPECT_EQ(crc("", 0), 0u);
  // Every length and alignment against the bit-by-bit reference.
  std::mt19937 rng(7);
  std::string buffer(300, '\0');
  for (char& c : buffer) c = static_cast<char>(rng());
  for (std::size_t offset = 0; offset < 9; ++offset)
    for (std::size_t n = 0; n + offset <= buffer.size(); n += 7)
      ASSERT_EQ(crc(buffer.data() + offset, n), reference_crc32c(buffer.substr(offset, n)))
          << "offset " << offset << " length " << n;
}

TEST(Crc32c, TableMatchesKnownVectors) { expect_known_crc32c_vectors(io::crc32c_portable); }

TEST(Crc32c, HardwareMatchesKnownVectors) {
  if (!io::crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 crc32 instruction";
  expect_known_crc32c_vectors(io::crc32c_hardware);
}

TEST(Crc32c, DispatchMatchesKnownVectors) { expect_known_crc32c_vectors(io::crc32c); }

TEST(Crc32c, ExtendContinuesACrcOverMoreBytes) {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(io::crc32c_extend(0, data.data(), data.size()), io::crc32c(data.data(), data.size()));
  for (std::size_t split : {0, 1, 7, 20, 43}) {
    const uint32_t head = io::crc32c(data.data(), split);
    EXPECT_EQ(io::crc32c_extend(head, data.data() + split, data.size() - split),
              reference_crc32c(data))
        << "split at " << split;
  }
}

TEST(Crc32c, MaskIsTensorFlowsAndUnmasks) {
  EXPECT_EQ(io::mask_crc(0), 0xa282ead8u);
  EXPECT_EQ(io::mask_crc(0xE3069283u), reference_mask(0xE3069283u));
  for (uint32_t c : {0u, 1u, 0x8000u, 0xE3069283u, 0xffffffffu})
    EXPECT_EQ(io::unmask_crc(io::mask_crc(c)), c);
}

TEST(Record, FramingIsThePublicLayout) {
  for (const std::string& data : {std::string(), std::string("hello"), std::string(1000, 'x')})
    EXPECT_EQ(tb::frame_record(data), reference_record(data)) << data.size() << " bytes";
  // One hand-checked header: length 5, little endian.
  EXPECT_EQ(tb::frame_record("hello").substr(0, 8), std::string("\x05\0\0\0\0\0\0\0", 8));
}

TEST(Record, DiskFullIsAClearError) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "no /dev/full";
  tb::RecordWriter file(fd, "/dev/full");
  try {
    file.write("data");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOSPC)), std::string::npos) << e.what();
  }
}

TEST(Record, ReaderKeepsWholeRecordsOfATruncatedFileAndRejectsBadCrcs) {
  TempDir dir;
  const std::string whole = reference_record("first") + reference_record("second");
  const std::string partial = reference_record("third").substr(0, 14);
  std::ofstream(dir.file("cut"), std::ios::binary) << whole << partial;
  const tb::RecordFile cut = tb::read_records(dir.file("cut"));
  EXPECT_EQ(cut.records, (std::vector<std::string>{"first", "second"}));
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.tail_bytes, 14u);

  std::string corrupt = whole;
  corrupt[13] ^= 1;  // inside "first"
  std::ofstream(dir.file("bad"), std::ios::binary) << corrupt;
  EXPECT_THROW(tb::read_records(dir.file("bad")), Error);
  corrupt = whole;
  corrupt[0] ^= 1;  // the length
  std::ofstream(dir.file("bad"), std::ios::binary) << corrupt;
  EXPECT_THROW(tb::read_records(dir.file("bad")), Error);
}

TEST(EventReader, ReadsTensorScalarsAndKindsByPluginAndKeepsTheTailSize) {
  // TensorFlow 2 writes a scalar as a one-element float tensor whose plugin is "scalars".
  const auto plugin = [](const std::string& name) {
    return bytes_field(9, bytes_field(1, bytes_field(1, name)));
  };
  const std::string float_tensor = key(1, 0) + varint(1) + bytes_field(5, f32(1, 2.5f).substr(1));
  const std::string double_tensor = key(1, 0) + varint(2) + packed_doubles(6, {-0.125});
  const std::string text_tensor = key(1, 0) + varint(7) + bytes_field(8, "hi");
  const std::string values =
      bytes_field(1, bytes_field(1, "loss") + plugin("scalars") + bytes_field(8, float_tensor)) +
      bytes_field(1, bytes_field(1, "lr") + plugin("scalars") + bytes_field(8, double_tensor)) +
      bytes_field(1, bytes_field(1, "note") + plugin("text") + bytes_field(8, text_tensor));
  const std::string event = f64(1, 1.5) + step_field(3) + bytes_field(5, values);
  TempDir dir;
  std::ofstream(dir.file("events"), std::ios::binary)
      << reference_record(file_version_event(1.0)) << reference_record(event)
      << reference_record(event).substr(0, 20);
  const tb::EventFile file = tb::read_events(dir.file("events"));
  ASSERT_EQ(file.events.size(), 2u);
  EXPECT_TRUE(file.truncated);
  EXPECT_EQ(file.tail_bytes, 20u);
  const std::vector<tb::SummaryValue>& v = file.events[1].values;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(file.events[1].step, 3);
  EXPECT_EQ(v[0].kind, tb::SummaryValue::Kind::Scalar);
  EXPECT_EQ(v[0].scalar, 2.5);
  EXPECT_EQ(v[1].kind, tb::SummaryValue::Kind::Scalar);
  EXPECT_EQ(v[1].scalar, -0.125);
  EXPECT_EQ(v[2].kind, tb::SummaryValue::Kind::Tensor);
  EXPECT_EQ(v[2].plugin_name, "text");
}

// --- histograms ---

TEST(Histogram, BucketLimitsAreTensorFlowsDefault) {
  const std::vector<double>& limits = tb::default_bucket_limits();
  EXPECT_EQ(limits, tensorflow_limits());
  ASSERT_EQ(limits.size() % 2, 1u);
  const std::size_t zero = limits.size() / 2;
  EXPECT_EQ(limits.front(), -DBL_MAX);
  EXPECT_EQ(limits[zero], 0.0);
  EXPECT_EQ(limits.back(), DBL_MAX);
  for (std::size_t k = 0; zero + 1 + k < limits.size() - 1; ++k) {
    EXPECT_NEAR(limits[zero + 1 + k] / (1e-12 * std::pow(1.1, double(k))), 1.0, 1e-12) << k;
    EXPECT_EQ(limits[zero - 1 - k], -limits[zero + 1 + k]);
  }
  EXPECT_GE(limits[limits.size() - 2], 1e20 / 1.1);
  EXPECT_LT(limits[limits.size() - 2], 1e20);
}

TEST(Histogram, ValuesGoToTheFirstLimitAboveThemAndEmptyRunsMerge) {
  std::mt19937 rng(3);
  std::vector<float> values = {0.0f,    -0.0f,    1e-13f, -1e-13f, 1e-12f, FLT_MAX, -FLT_MAX,
                               FLT_MIN, -FLT_MIN, 1.0f,   -1.0f,   1e20f,  3e25f,   -3e25f};
  for (double limit : tb::default_bucket_limits()) {  // on, just below, just above each limit
    const auto f = static_cast<float>(limit);
    if (!std::isfinite(f)) continue;
    values.insert(values.end(), {f, std::nextafter(f, -FLT_MAX), std::nextafter(f, FLT_MAX)});
  }
  std::uniform_real_distribution<float> exponent(-45, 38);
  for (int i = 0; i < 5000; ++i)
    values.push_back((rng() % 2 ? 1 : -1) * std::pow(10.0f, exponent(rng)));
  values.erase(
      std::remove_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); }),
      values.end());

  const tb::Histogram h = tb::make_histogram(values.data(), values.size());
  const ExpectedHistogram expected = tensorflow_histogram(values);
  EXPECT_EQ(h.bucket_limit, expected.limits);
  EXPECT_EQ(h.bucket, expected.counts);
  EXPECT_EQ(h.num, double(values.size()));
  EXPECT_EQ(h.min, -FLT_MAX);
  EXPECT_EQ(h.max, FLT_MAX);
}

TEST(Histogram, OneValueGivesAnEmptyRunItsBucketAndAnEmptyRun) {
  const float one = 1.0f;
  const tb::Histogram h = tb::make_histogram(&one, 1);
  const std::vector<double> limits = tensorflow_limits();
  const std::size_t b = std::upper_bound(limits.begin(), limits.end(), 1.0) - limits.begin();
  EXPECT_EQ(h.bucket_limit, (std::vector<double>{limits[b - 1], limits[b], DBL_MAX}));
  EXPECT_EQ(h.bucket, (std::vector<double>{0, 1, 0}));
  EXPECT_LE(limits[b - 1], 1.0);
  EXPECT_GT(limits[b], 1.0);
  EXPECT_EQ(h.min, 1.0);
  EXPECT_EQ(h.max, 1.0);
  EXPECT_EQ(h.sum, 1.0);
  EXPECT_EQ(h.sum_squares, 1.0);
}

TEST(Histogram, NanAndInfAreCountedApartAndKeptOutOfTheBuckets) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values = {1.0f, nan, inf, -inf, nan, 2.0f};
  const tb::Histogram h = tb::make_histogram(values.data(), values.size());
  EXPECT_EQ(h.nan_count, 2);
  EXPECT_EQ(h.pos_inf_count, 1);
  EXPECT_EQ(h.neg_inf_count, 1);
  EXPECT_EQ(h.num, 2);
  EXPECT_EQ(h.min, 1);
  EXPECT_EQ(h.max, 2);
  EXPECT_EQ(h.sum, 3);
  EXPECT_EQ(h.sum_squares, 5);
  const ExpectedHistogram finite = tensorflow_histogram({1.0f, 2.0f});
  EXPECT_EQ(h.bucket_limit, finite.limits);
  EXPECT_EQ(h.bucket, finite.counts);
}

TEST(Histogram, NoFiniteValuesGiveOneEmptyBucket) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t n : {0, 3}) {
    const std::vector<float> values(n, nan);
    const tb::Histogram h = tb::make_histogram(values.data(), n);
    EXPECT_EQ(h.num, 0);
    EXPECT_EQ(h.min, 0);
    EXPECT_EQ(h.max, 0);
    EXPECT_EQ(h.bucket_limit, std::vector<double>{DBL_MAX});
    EXPECT_EQ(h.bucket, std::vector<double>{0});
    EXPECT_EQ(h.nan_count, static_cast<int64_t>(n));
  }
}

// --- SummaryWriter ---

TEST(SummaryWriter, FileIsNamedByTimeAndHostAndStartsWithTheFileVersion) {
  TempDir dir;
  std::string path;
  {
    SummaryWriter writer(dir.path() + "/run1", ".suffix");
    path = writer.file_path();
  }
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const std::string name = std::filesystem::path(path).filename().string();
  std::smatch m;
  ASSERT_TRUE(
      std::regex_match(name, m, std::regex(R"(events\.out\.tfevents\.(\d{10})\.(.*)\.suffix)")))
      << name;
  EXPECT_EQ(m[2].str(), host);
  EXPECT_EQ(std::filesystem::path(path).parent_path(), std::filesystem::path(dir.path() + "/run1"));

  const tb::EventFile file = tb::read_events(path);
  ASSERT_EQ(file.events.size(), 1u);
  EXPECT_EQ(file.events[0].file_version, "brain.Event:2");
  EXPECT_EQ(file.events[0].step, 0);
  EXPECT_EQ(std::stoll(m[1].str()), static_cast<long long>(std::floor(file.events[0].wall_time)));
  EXPECT_NEAR(file.events[0].wall_time, double(std::time(nullptr)), 5.0);
}

TEST(SummaryWriter, FileIsByteForByteTheExpectedRecords) {
  TempDir dir;
  std::string path;
  const std::vector<float> values = {-1.0f, 0.0f, 0.5f, 2.0f, 2.0f};
  {
    SummaryWriter writer(dir.path());
    path = writer.file_path();
    writer.add_scalar("loss", 0.25, 7, 1600000000.5);
    writer.add_scalar("layer/odd tag:ü", -3.0, -2, 1600000001.0);
    writer.add_histogram("act", values.data(), values.size(), 8, 1600000002.25);
  }
  const std::string bytes = read_bytes(path);
  // The first record's time is the writer's; read it from where the layout puts it.
  ASSERT_GT(bytes.size(), 21u);
  ASSERT_EQ(bytes[12], '\x09');  // field 1, 64-bit
  double start;
  std::memcpy(&start, bytes.data() + 13, 8);

  const ExpectedHistogram h = tensorflow_histogram(values);
  const std::string histo = f64_unless_zero(1, -1.0) + f64(2, 2.0) + f64(3, 5.0) + f64(4, 3.5) +
                            f64(5, 9.25) + packed_doubles(6, h.limits) +
                            packed_doubles(7, h.counts);
  const std::string expected =
      reference_record(file_version_event(start)) +
      reference_record(summary_event(1600000000.5, 7, scalar_value("loss", 0.25f))) +
      reference_record(summary_event(1600000001.0, -2, scalar_value("layer/odd tag:ü", -3.0f))) +
      reference_record(
          summary_event(1600000002.25, 8, bytes_field(1, "act") + bytes_field(5, histo)));
  EXPECT_EQ(bytes.size(), expected.size());
  EXPECT_TRUE(bytes == expected) << "the event file differs from the public layout";
}

TEST(SummaryWriter, ScalarsAndHistogramsReadBack) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  writer.add_scalar("nan", std::nan(""), 1);
  writer.add_scalar("inf", -INFINITY, 2);
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values = {1.0f, std::nanf(""), inf, -inf, 4.0f};
  const HistogramCounts counts = writer.add_histogram("h", values.data(), values.size(), 3);
  EXPECT_EQ(counts.finite, 2);
  EXPECT_EQ(counts.nan, 1);
  EXPECT_EQ(counts.pos_inf, 1);
  EXPECT_EQ(counts.neg_inf, 1);
  writer.add_histogram("empty", nullptr, 0, 4);
  writer.close();

  const tb::EventFile file = tb::read_events(writer.file_path());
  ASSERT_EQ(file.events.size(), 5u);
  EXPECT_FALSE(file.truncated);
  EXPECT_TRUE(std::isnan(file.events[1].values.at(0).scalar));
  EXPECT_EQ(file.events[2].values.at(0).scalar, -INFINITY);
  const tb::SummaryValue& h = file.events[3].values.at(0);
  EXPECT_EQ(h.kind, tb::SummaryValue::Kind::Histogram);
  EXPECT_EQ(h.histogram.num, 2);
  EXPECT_EQ(h.histogram.sum, 5);
  EXPECT_EQ(h.histogram.max, 4);
  const tb::SummaryValue& empty = file.events[4].values.at(0);
  EXPECT_EQ(empty.histogram.bucket_limit, std::vector<double>{DBL_MAX});
  EXPECT_EQ(empty.histogram.bucket, std::vector<double>{0});
}

// Every channel count, small and (over several deflate blocks, incompressible) large.
class ImagesArePngsThatLibpngDecodes : public testing::TestWithParam<std::pair<int, int>> {};

TEST_P(ImagesArePngsThatLibpngDecodes, PixelForPixel) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const auto [height, width] = GetParam();
  std::vector<std::vector<uint8_t>> images;
  uint32_t noise = 12345;
  for (int channels = 1; channels <= 4; ++channels) {
    std::vector<uint8_t> pixels(height * width * channels);
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      noise = noise * 1664525u + 1013904223u;
      pixels[i] = static_cast<uint8_t>(i % 3 == 0 ? noise >> 24 : i * 37 + channels);
    }
    writer.add_image("img" + std::to_string(channels), pixels.data(), height, width, channels, 1);
    images.push_back(pixels);
  }
  writer.close();
  const tb::EventFile file = tb::read_events(writer.file_path());
  ASSERT_EQ(file.events.size(), 5u);
  for (int channels = 1; channels <= 4; ++channels) {
    const tb::SummaryValue& v = file.events[channels].values.at(0);
    EXPECT_EQ(v.tag, "img" + std::to_string(channels));
    ASSERT_EQ(v.kind, tb::SummaryValue::Kind::Image);
    EXPECT_EQ(v.image.height, height);
    EXPECT_EQ(v.image.width, width);
    EXPECT_EQ(v.image.colorspace, channels);
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    ASSERT_TRUE(
        png_image_begin_read_from_memory(&image, v.image.encoded.data(), v.image.encoded.size()))
        << image.message;
    EXPECT_EQ(image.width, png_uint_32(width));
    EXPECT_EQ(image.height, png_uint_32(height));
    EXPECT_EQ(PNG_IMAGE_PIXEL_CHANNELS(image.format), png_uint_32(channels));
    std::vector<uint8_t> decoded(PNG_IMAGE_SIZE(image));
    ASSERT_TRUE(png_image_finish_read(&image, nullptr, decoded.data(), 0, nullptr))
        << image.message;
    EXPECT_EQ(decoded, images[channels - 1]) << channels << " channels";
  }
}

INSTANTIATE_TEST_SUITE_P(SummaryWriter, ImagesArePngsThatLibpngDecodes,
                         testing::Values(std::pair{5, 7}, std::pair{1, 1}, std::pair{257, 301}));

TEST(SummaryWriter, RejectsImagesItCannotEncode) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  const uint8_t pixel[4] = {};
  EXPECT_THROW(writer.add_image("x", pixel, 1, 1, 5, 0), Error);
  EXPECT_THROW(writer.add_image("x", pixel, 0, 1, 1, 0), Error);
}

TEST(SummaryWriter, UnwritableLogdirNamesThePathAndTheReason) {
  TempDir dir;
  std::ofstream(dir.file("plain")) << "not a folder";
  for (const std::string& logdir : {dir.file("plain"), dir.file("plain") + "/run"}) {
    try {
      SummaryWriter writer(logdir);
      FAIL() << "no error for " << logdir;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("'" + logdir + "'"), std::string::npos) << message;
      EXPECT_TRUE(message.find(std::strerror(ENOTDIR)) != std::string::npos ||
                  message.find(std::strerror(EEXIST)) != std::string::npos ||
                  message.find("not a directory") != std::string::npos)
          << message;
    }
  }
}

TEST(SummaryWriter, TwoWritersInOneSecondGetTwoFiles) {
  TempDir dir;
  SummaryWriter a(dir.path()), b(dir.path());
  EXPECT_NE(a.file_path(), b.file_path());
  a.add_scalar("a", 1, 0);
  b.add_scalar("b", 2, 0);
  a.close();
  b.close();
  EXPECT_EQ(tb::read_events(a.file_path()).events.at(1).values.at(0).tag, "a");
  EXPECT_EQ(tb::read_events(b.file_path()).events.at(1).values.at(0).tag, "b");
}

TEST(SummaryWriter, ClosedWriterRefusesAndClosingTwiceIsHarmless) {
  TempDir dir;
  SummaryWriter writer(dir.path());
  writer.add_scalar("x", 1, 0);
  writer.flush();
  writer.close();
  writer.close();
  writer.flush();
  EXPECT_THROW(writer.add_scalar("x", 2, 1), Error);
  EXPECT_EQ(tb::read_events(writer.file_path()).events.size(), 2u);
}

TEST(SummaryWriter, ThreadsWriteWholeRecords) {
  TempDir dir;
  constexpr int kThreads = 4, kSteps = 300;
  {
    SummaryWriter writer(dir.path());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&writer, t] {
        std::vector<float> values(100, float(t));
        for (int step = 0; step < kSteps; ++step) {
          writer.add_scalar("thread" + std::to_string(t), step, step);
          if (step % 10 == 0)
            writer.add_histogram("h" + std::to_string(t), values.data(), 100, step);
        }
      });
    for (auto& thread : threads) thread.join();
  }
  const tb::EventFile file = tb::read_events(only_event_file(dir.path()));
  EXPECT_FALSE(file.truncated);
  ASSERT_EQ(file.events.size(), 1u + kThreads * (kSteps + kSteps / 10));
  std::set<std::pair<std::string, int64_t>> seen;
  for (std::size_t i = 1; i < file.events.size(); ++i) {
    const auto& v = file.events[i].values.at(0);
    EXPECT_TRUE(seen.insert({v.tag, file.events[i].step}).second);
    if (v.kind == tb::SummaryValue::Kind::Scalar) {
      EXPECT_EQ(v.scalar, double(file.events[i].step));
    }
  }
}

}  // namespace
}  // namespace layerscope
