#include <layerscope/error.h>
#include <layerscope/stats.h>

#include "graph/half.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

namespace layerscope {
namespace {

// Running moments, merged block by block (Chan et al.), so the variance stays accurate for large
// means without a second pass over memory.
struct Moments {
  int64_t n = 0;
  double mean = 0, m2 = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int64_t zeros = 0, nans = 0, infs = 0;

  void add_block(int64_t bn, double bmean, double bm2) {
    if (bn == 0) return;
    const double delta = bmean - mean;
    const int64_t total = n + bn;
    mean += delta * static_cast<double>(bn) / static_cast<double>(total);
    m2 += bm2 + delta * delta * static_cast<double>(n) * static_cast<double>(bn) /
                    static_cast<double>(total);
    n = total;
  }
  void add_value(double v) {
    if (std::isnan(v)) {
      ++nans;
    } else if (std::isinf(v)) {
      ++infs;
    } else {
      zeros += v == 0.0;
      min = std::min(min, v);
      max = std::max(max, v);
      add_block(1, v, 0);
    }
  }
  void merge(const Moments& other) {
    add_block(other.n, other.mean, other.m2);
    min = std::min(min, other.min);
    max = std::max(max, other.max);
    zeros += other.zeros;
    nans += other.nans;
    infs += other.infs;
  }
};

constexpr int64_t kChunk = 4096;  // floats per block: 16 KiB, read twice while in L1

using Floats8 = float __attribute__((vector_size(32)));
using Ints8 = int32_t __attribute__((vector_size(32)));

// float32, the common case, in blocks of explicit 8-lane vectors (built for AVX2 where the CPU has
// it): min, max, shifted sum and zeros in one pass, the centred sum of squares in a second pass
// over the same block. A block holding NaN or Inf shows in its sum and is redone element-wise.
__attribute__((target_clones("avx2", "default"))) void accumulate_float(const float* p,
                                                                        int64_t count, Moments& m) {
  for (int64_t start = 0; start < count; start += kChunk) {
    const int64_t n = std::min(kChunk, count - start);
    const float* x = p + start;
    const int64_t vectorized = n - n % 8;
    const float shift = x[0];  // summing x - shift keeps float sums accurate for large means
    Floats8 sum = {}, zero = {};
    Floats8 lo = zero + x[0], hi = lo;
    Ints8 zeros = {};
    for (int64_t i = 0; i < vectorized; i += 8) {
      Floats8 v;
      std::memcpy(&v, x + i, sizeof v);  // an unaligned vector load
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      sum += v - shift;
      zeros -= v == zero;  // a true lane is -1
    }
    float block_lo = vectorized ? lo[0] : x[0], block_hi = block_lo;
    double block_sum = 0;
    int64_t block_zeros = 0;
    for (int lane = 0; lane < 8 && vectorized; ++lane) {
      block_lo = std::min(block_lo, lo[lane]);
      block_hi = std::max(block_hi, hi[lane]);
      block_sum += sum[lane];
      block_zeros += zeros[lane];
    }
    for (int64_t i = vectorized; i < n; ++i) {
      block_lo = std::min(block_lo, x[i]);
      block_hi = std::max(block_hi, x[i]);
      block_sum += x[i] - shift;
      block_zeros += x[i] == 0.0f;
    }
    if (!std::isfinite(block_sum) || !std::isfinite(block_lo) || !std::isfinite(block_hi)) {
      for (int64_t i = 0; i < n; ++i) m.add_value(x[i]);
      continue;
    }
    const double mean = shift + block_sum / static_cast<double>(n);
    const float centre = static_cast<float>(mean);
    Floats8 squares = {};
    for (int64_t i = 0; i < vectorized; i += 8) {
      Floats8 d;
      std::memcpy(&d, x + i, sizeof d);
      d -= centre;
      squares += d * d;
    }
    double m2 = 0;
    for (int lane = 0; lane < 8 && vectorized; ++lane) m2 += squares[lane];
    for (int64_t i = vectorized; i < n; ++i)
      m2 += static_cast<double>(x[i] - centre) * (x[i] - centre);
    // Centred on the float-rounded mean: remove the bias that rounding adds, exactly.
    const double offset = mean - centre;
    m2 = std::max(0.0, m2 - static_cast<double>(n) * offset * offset);
    m.min = std::min<double>(m.min, block_lo);
    m.max = std::max<double>(m.max, block_hi);
    m.zeros += block_zeros;
    m.add_block(n, mean, m2);
  }
}

// Any other dtype: element by element through `to_double`, in blocks.
template <typename T, typename Convert>
void accumulate_generic(const T* p, int64_t count, int64_t stride, Convert to_double, Moments& m) {
  for (int64_t start = 0; start < count; start += kChunk) {
    const int64_t n = std::min(kChunk, count - start);
    Moments block;
    double sum = 0;
    for (int64_t i = start; i < start + n; ++i) {
      const double v = to_double(p[i * stride]);
      if (std::isnan(v)) {
        ++block.nans;
      } else if (std::isinf(v)) {
        ++block.infs;
      } else {
        block.zeros += v == 0.0;
        block.min = std::min(block.min, v);
        block.max = std::max(block.max, v);
        sum += v;
        ++block.n;
      }
    }
    if (block.n > 0) {
      block.mean = sum / static_cast<double>(block.n);
      for (int64_t i = start; i < start + n; ++i) {
        const double v = to_double(p[i * stride]);
        if (std::isfinite(v)) block.m2 += (v - block.mean) * (v - block.mean);
      }
    }
    m.merge(block);
  }
}

template <typename T>
double as_double(T v) {
  return static_cast<double>(v);
}
double half_as_double(uint16_t v) { return detail::half_to_float(v); }
double bfloat16_as_double(uint16_t v) { return detail::bfloat16_to_float(v); }

// Elements [begin, end) of the tensor.
Moments accumulate_range(const Tensor& t, int64_t begin, int64_t end) {
  Moments m;
  const int64_t n = end - begin;
  auto plain = [&](auto* data, int64_t stride) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(data)>>;
    accumulate_generic(data + begin * stride, n, stride, as_double<T>, m);
  };
  switch (t.dtype()) {
    case DType::Float32:
      accumulate_float(t.data<float>() + begin, n, m);
      break;
    case DType::Float64:
      plain(t.data<double>(), 1);
      break;
    case DType::Complex64:
      plain(t.data<float>(), 2);
      break;  // real parts
    case DType::Complex128:
      plain(t.data<double>(), 2);
      break;
    case DType::Float16:
      accumulate_generic(t.data<uint16_t>() + begin, n, 1, half_as_double, m);
      break;
    case DType::BFloat16:
      accumulate_generic(t.data<uint16_t>() + begin, n, 1, bfloat16_as_double, m);
      break;
    case DType::Bool:
    case DType::UInt8:
      plain(t.data<uint8_t>(), 1);
      break;
    case DType::Int8:
      plain(t.data<int8_t>(), 1);
      break;
    case DType::UInt16:
      plain(t.data<uint16_t>(), 1);
      break;
    case DType::Int16:
      plain(t.data<int16_t>(), 1);
      break;
    case DType::Int32:
      plain(t.data<int32_t>(), 1);
      break;
    case DType::UInt32:
      plain(t.data<uint32_t>(), 1);
      break;
    case DType::Int64:
      plain(t.data<int64_t>(), 1);
      break;
    case DType::UInt64:
      plain(t.data<uint64_t>(), 1);
      break;
    default:
      throw Error("cannot compute statistics of a " + dtype_name(t.dtype()) + " tensor");
  }
  return m;
}

constexpr int64_t kTask = 16 * kChunk;  // elements per parallel task

}  // namespace

TensorStats compute_stats(const Tensor& tensor, const ParallelFor* parallel_for) {
  const int64_t count = tensor.numel();
  Moments m;
  if (parallel_for && count >= 2 * kTask) {
    // Fixed task boundaries merged in order: the same result whatever the thread count.
    const int64_t tasks = (count + kTask - 1) / kTask;
    std::vector<Moments> parts(static_cast<std::size_t>(tasks));
    (*parallel_for)(tasks, [&](int64_t first, int64_t last) {
      for (int64_t t = first; t < last; ++t)
        parts[t] = accumulate_range(tensor, t * kTask, std::min(count, (t + 1) * kTask));
    });
    for (const Moments& part : parts) m.merge(part);
  } else {
    m = accumulate_range(tensor, 0, count);
  }
  TensorStats s;
  s.count = count;
  s.nan_count = m.nans;
  s.inf_count = m.infs;
  s.zero_fraction = count ? static_cast<double>(m.zeros) / static_cast<double>(count) : 0.0;
  if (m.n == 0) {
    s.min = s.max = s.mean = s.std = std::numeric_limits<double>::quiet_NaN();
  } else {
    s.min = m.min;
    s.max = m.max;
    s.mean = m.mean;
    s.std = std::sqrt(m.m2 / static_cast<double>(m.n));
  }
  return s;
}

NodeFilter::NodeFilter(const std::string& pattern) {
  if (pattern.empty()) return;
  try {
    regex_.emplace(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw Error("filter '" + pattern + "' is not a valid regular expression: " + e.what());
  }
}

bool NodeFilter::matches(const Graph& graph, const Node& node) const {
  if (!regex_) return true;
  if (std::regex_search(node.name, *regex_) || std::regex_search(node.op_type, *regex_))
    return true;
  for (int v : node.outputs)
    if (v >= 0 && std::regex_search(graph.values[v].name, *regex_)) return true;
  return false;
}

ObserverAction StatsObserver::on_value(const Value& value, const Tensor& tensor,
                                       const RunContext& context) {
  LayerRecord record;
  record.value = value.name;
  record.node = context.node.name;
  record.op = context.node.op_type;
  record.dtype = tensor.dtype();
  record.shape = tensor.shape();
  record.seconds = context.node_seconds;
  record.stats = compute_stats(tensor, context.parallel_for);
  if (!first_nonfinite_ && record.stats.has_nonfinite()) first_nonfinite_ = records_.size();
  records_.push_back(std::move(record));
  return ObserverAction::Continue;
}

}  // namespace layerscope
