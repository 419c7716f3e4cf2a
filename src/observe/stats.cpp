#include <layerscope/error.h>
#include <layerscope/stats.h>

#include "graph/half.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

namespace layerscope {
namespace {

// Running moments, merged chunk by chunk (Chan et al.), so the variance stays accurate for large
// means without a second pass over memory.
struct Moments {
  int64_t n = 0;
  double mean = 0, m2 = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int64_t zeros = 0, nans = 0, infs = 0;

  void merge(int64_t bn, double bmean, double bm2) {
    if (bn == 0) return;
    const double delta = bmean - mean;
    const int64_t total = n + bn;
    mean += delta * static_cast<double>(bn) / static_cast<double>(total);
    m2 += bm2 + delta * delta * static_cast<double>(n) * static_cast<double>(bn) /
                    static_cast<double>(total);
    n = total;
  }
};

constexpr int64_t kChunk = 4096;

// Float chunks without NaN/Inf (the common case) take a branch-free path the compiler vectorizes.
void accumulate_float(const float* p, int64_t count, Moments& m) {
  for (int64_t start = 0; start < count; start += kChunk) {
    const int64_t n = std::min(kChunk, count - start);
    const float* x = p + start;
    int64_t nonfinite = 0;
    for (int64_t i = 0; i < n; ++i) nonfinite += !(std::fabs(x[i]) <= FLT_MAX);
    if (nonfinite == 0) {
      float lo = x[0], hi = x[0];
      double sum = 0;
      int64_t zeros = 0;
      for (int64_t i = 0; i < n; ++i) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
        sum += x[i];
        zeros += x[i] == 0.0f;
      }
      const double mean = sum / static_cast<double>(n);
      double m2 = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double d = x[i] - mean;
        m2 += d * d;
      }
      m.min = std::min<double>(m.min, lo);
      m.max = std::max<double>(m.max, hi);
      m.zeros += zeros;
      m.merge(n, mean, m2);
      continue;
    }
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i];
      if (std::isnan(v)) {
        ++m.nans;
      } else if (std::isinf(v)) {
        ++m.infs;
      } else {
        m.zeros += v == 0.0f;
        m.min = std::min<double>(m.min, v);
        m.max = std::max<double>(m.max, v);
        m.merge(1, v, 0);
      }
    }
  }
}

// Any other dtype: element by element through `to_double`.
template <typename T, typename Convert>
void accumulate_generic(const T* p, int64_t count, int64_t stride, Convert to_double, Moments& m) {
  for (int64_t start = 0; start < count; start += kChunk) {
    const int64_t n = std::min(kChunk, count - start);
    double sum = 0;
    int64_t finite = 0;
    for (int64_t i = start; i < start + n; ++i) {
      const double v = to_double(p[i * stride]);
      if (std::isnan(v)) {
        ++m.nans;
      } else if (std::isinf(v)) {
        ++m.infs;
      } else {
        m.zeros += v == 0.0;
        m.min = std::min(m.min, v);
        m.max = std::max(m.max, v);
        sum += v;
        ++finite;
      }
    }
    if (finite == 0) continue;
    const double mean = sum / static_cast<double>(finite);
    double m2 = 0;
    for (int64_t i = start; i < start + n; ++i) {
      const double v = to_double(p[i * stride]);
      if (std::isfinite(v)) m2 += (v - mean) * (v - mean);
    }
    m.merge(finite, mean, m2);
  }
}

template <typename T>
void accumulate_plain(const Tensor& t, Moments& m, int64_t stride = 1) {
  accumulate_generic(
      t.data<T>(), t.numel(), stride, [](T v) { return static_cast<double>(v); }, m);
}

}  // namespace

TensorStats compute_stats(const Tensor& tensor) {
  Moments m;
  const int64_t n = tensor.numel();
  switch (tensor.dtype()) {
    case DType::Float32:
      accumulate_float(tensor.data<float>(), n, m);
      break;
    case DType::Float64:
      accumulate_plain<double>(tensor, m);
      break;
    case DType::Complex64:
      accumulate_plain<float>(tensor, m, 2);
      break;
    case DType::Complex128:
      accumulate_plain<double>(tensor, m, 2);
      break;
    case DType::Float16:
      accumulate_generic(
          tensor.data<uint16_t>(), n, 1,
          [](uint16_t v) { return static_cast<double>(detail::half_to_float(v)); }, m);
      break;
    case DType::BFloat16:
      accumulate_generic(
          tensor.data<uint16_t>(), n, 1,
          [](uint16_t v) { return static_cast<double>(detail::bfloat16_to_float(v)); }, m);
      break;
    case DType::Bool:
    case DType::UInt8:
      accumulate_plain<uint8_t>(tensor, m);
      break;
    case DType::Int8:
      accumulate_plain<int8_t>(tensor, m);
      break;
    case DType::UInt16:
      accumulate_plain<uint16_t>(tensor, m);
      break;
    case DType::Int16:
      accumulate_plain<int16_t>(tensor, m);
      break;
    case DType::Int32:
      accumulate_plain<int32_t>(tensor, m);
      break;
    case DType::UInt32:
      accumulate_plain<uint32_t>(tensor, m);
      break;
    case DType::Int64:
      accumulate_plain<int64_t>(tensor, m);
      break;
    case DType::UInt64:
      accumulate_plain<uint64_t>(tensor, m);
      break;
    default:
      throw Error("cannot compute statistics of a " + dtype_name(tensor.dtype()) + " tensor");
  }
  TensorStats s;
  s.count = n;
  s.nan_count = m.nans;
  s.inf_count = m.infs;
  s.zero_fraction = n ? static_cast<double>(m.zeros) / static_cast<double>(n) : 0.0;
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
  record.stats = compute_stats(tensor);
  if (!first_nonfinite_ && record.stats.has_nonfinite()) first_nonfinite_ = records_.size();
  records_.push_back(std::move(record));
  return ObserverAction::Continue;
}

}  // namespace layerscope
