#include <layerscope/stats.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>

namespace layerscope {
namespace {

Tensor floats(const std::vector<float>& values) {
  Tensor t = Tensor::zeros(DType::Float32, {static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

TEST(Stats, MatchesNumpyDefinitions) {
  const TensorStats s = compute_stats(floats({1, 2, 3, 4, 0, 0}));
  EXPECT_EQ(s.count, 6);
  EXPECT_DOUBLE_EQ(s.min, 0);
  EXPECT_DOUBLE_EQ(s.max, 4);
  EXPECT_DOUBLE_EQ(s.mean, 10.0 / 6);
  // Population standard deviation, as numpy's std() with ddof=0.
  double var = 0;
  for (double v : {1, 2, 3, 4, 0, 0}) var += (v - 10.0 / 6) * (v - 10.0 / 6);
  // float32 data is summarized to float32 precision.
  EXPECT_NEAR(s.std, std::sqrt(var / 6), 1e-7);
  EXPECT_DOUBLE_EQ(s.zero_fraction, 2.0 / 6);
  EXPECT_FALSE(s.has_nonfinite());
}

TEST(Stats, CountsNanAndInfAndKeepsThemOutOfTheMoments) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const TensorStats s = compute_stats(floats({1, nan, 3, -inf, inf, nan}));
  EXPECT_EQ(s.nan_count, 2);
  EXPECT_EQ(s.inf_count, 2);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 3);
  EXPECT_DOUBLE_EQ(s.mean, 2);
  EXPECT_TRUE(s.has_nonfinite());
}

TEST(Stats, AllNanHasNanMoments) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const TensorStats s = compute_stats(floats({nan, nan}));
  EXPECT_EQ(s.nan_count, 2);
  EXPECT_TRUE(std::isnan(s.mean));
  EXPECT_TRUE(std::isnan(s.min));
}

TEST(Stats, EmptyTensor) {
  const TensorStats s = compute_stats(Tensor::zeros(DType::Float32, {0, 3}));
  EXPECT_EQ(s.count, 0);
  EXPECT_DOUBLE_EQ(s.zero_fraction, 0);
}

TEST(Stats, StaysAccurateForLargeMeanAcrossChunks) {
  // 100k values 1e6 + (i % 2): a naive sum-of-squares loses the 0.5 std entirely in float.
  std::vector<float> values(100000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1e6f + static_cast<float>(i % 2);
  const TensorStats s = compute_stats(floats(values));
  EXPECT_NEAR(s.mean, 1e6 + 0.5, 1e-6);
  EXPECT_NEAR(s.std, 0.5, 1e-9);
}

TEST(Stats, IntegerAndHalfTensors) {
  Tensor ints = Tensor::zeros(DType::Int64, {4});
  std::iota(ints.data<int64_t>(), ints.data<int64_t>() + 4, -1);  // -1 0 1 2
  const TensorStats si = compute_stats(ints);
  EXPECT_DOUBLE_EQ(si.min, -1);
  EXPECT_DOUBLE_EQ(si.max, 2);
  EXPECT_DOUBLE_EQ(si.zero_fraction, 0.25);

  Tensor half = Tensor::zeros(DType::Float16, {3});
  half.data<uint16_t>()[0] = 0x3c00;  // 1.0
  half.data<uint16_t>()[1] = 0xc000;  // -2.0
  half.data<uint16_t>()[2] = 0x7e00;  // NaN
  const TensorStats sh = compute_stats(half);
  EXPECT_DOUBLE_EQ(sh.min, -2);
  EXPECT_DOUBLE_EQ(sh.max, 1);
  EXPECT_EQ(sh.nan_count, 1);
}

}  // namespace
}  // namespace layerscope

namespace layerscope {
namespace {

TEST(Stats, SplittingOverThreadsGivesTheSerialResult) {
  std::vector<float> values(1000003);
  uint32_t state = 12345;
  for (float& v : values) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 8) / 16777216.0f - 0.25f;
  }
  values[77] = std::numeric_limits<float>::quiet_NaN();
  values[500001] = -std::numeric_limits<float>::infinity();
  values[999999] = 0.0f;
  const Tensor t = floats(values);
  // Ranges handed out in an odd order, as a thread pool might.
  const ParallelFor shuffled = [](int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
    for (int64_t begin = (n - 1) / 3 * 3; begin >= 0; begin -= 3) fn(begin, std::min(n, begin + 3));
  };
  const TensorStats serial = compute_stats(t);
  const TensorStats parallel = compute_stats(t, &shuffled);
  EXPECT_EQ(parallel.nan_count, 1);
  EXPECT_EQ(parallel.inf_count, 1);
  EXPECT_EQ(serial.zero_fraction, parallel.zero_fraction);
  EXPECT_EQ(serial.min, parallel.min);
  EXPECT_EQ(serial.max, parallel.max);
  EXPECT_NEAR(serial.mean, parallel.mean, 1e-9);
  EXPECT_NEAR(serial.std, parallel.std, 1e-9);
  // Against a plain double-precision reference over the finite values.
  double sum = 0, squares = 0;
  int64_t finite = 0;
  for (float v : values)
    if (std::isfinite(v)) sum += v, ++finite;
  const double mean = sum / finite;
  for (float v : values)
    if (std::isfinite(v)) squares += (v - mean) * (v - mean);
  EXPECT_NEAR(parallel.mean, mean, 1e-6);
  EXPECT_NEAR(parallel.std, std::sqrt(squares / finite), 1e-6);
}

}  // namespace
}  // namespace layerscope
