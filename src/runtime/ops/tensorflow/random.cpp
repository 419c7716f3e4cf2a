// TensorFlow's random generators, shaped by input 0 (an int32/int64 vector): RandomUniform (in
// [0, 1)), RandomStandardNormal, TruncatedNormal (standard normal, values beyond two standard
// deviations drawn again) and RandomUniformInt (integers in [minval, maxval)). TF draws with Philox
// counters no other implementation reproduces bit for bit, so these draw from ATen's generator
// with TF's distributions: a node with seed or seed2 set draws the same values on every run (its
// generator is made afresh from both seeds); an unseeded node (both 0) draws new values each run,
// as TF's does.
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

enum class Distribution { Uniform, Normal, TruncatedNormal };

struct Seeds {
  std::optional<uint64_t> seed;  // nullopt: unseeded, ATen's global generator

  static Seeds of(const KernelInit& init) {
    const auto seed = static_cast<uint64_t>(init.node.attr_int("seed", 0));
    const auto seed2 = static_cast<uint64_t>(init.node.attr_int("seed2", 0));
    if (seed == 0 && seed2 == 0) return {};
    return {seed * 0x9E3779B97F4A7C15ULL ^ seed2};  // distinct pairs, distinct streams
  }
  c10::optional<at::Generator> generator() const {
    if (!seed) return c10::nullopt;
    return at::detail::createCPUGenerator(*seed);
  }
};

// The shape input: a vector of non-negative sizes whose product fits in int64.
std::vector<int64_t> read_shape(const at::Tensor& shape) {
  if ((shape.scalar_type() != at::kInt && shape.scalar_type() != at::kLong) || shape.dim() != 1)
    throw Error("shape is a " + tf::type_name(shape.scalar_type()) + " tensor of shape " +
                shape_string(shape.sizes().vec()) + "; expected an int32 or int64 vector");
  const std::vector<int64_t> sizes = to_int64_vector(shape);
  int64_t count = 1;
  for (int64_t size : sizes) {
    if (size < 0)
      throw Error("shape " + shape_string(sizes) + " has a negative size; expected sizes >= 0");
    if (size > 0 && count > std::numeric_limits<int64_t>::max() / size)
      throw Error("shape " + shape_string(sizes) + " has more elements than int64 counts");
    count *= size;
  }
  return sizes;
}

// Uniform in [0, 1) in `type`. float16/bfloat16 take multiples of their own epsilon (k / 1024,
// k / 128), so rounding never reaches 1.
at::Tensor uniform(at::IntArrayRef shape, at::ScalarType type, c10::optional<at::Generator> gen) {
  if (type == at::kHalf || type == at::kBFloat16) {
    const int64_t steps = type == at::kHalf ? 1024 : 128;
    return at::randint(0, steps, shape, gen, at::TensorOptions().dtype(at::kFloat))
        .div_(static_cast<double>(steps))
        .to(type);
  }
  return at::empty(shape, at::TensorOptions().dtype(type)).uniform_(0.0, 1.0, gen);
}

at::Tensor normal(at::IntArrayRef shape, at::ScalarType type, bool truncated,
                  c10::optional<at::Generator> gen) {
  const at::ScalarType draw = type == at::kDouble ? at::kDouble : at::kFloat;
  at::Tensor values = at::empty(shape, at::TensorOptions().dtype(draw)).normal_(0.0, 1.0, gen);
  if (truncated) {
    // Each round keeps ~95% of what it redraws: a handful of rounds finish any tensor.
    for (at::Tensor outside = values.abs() > 2; outside.any().item<bool>();
         outside = values.abs() > 2) {
      const at::Tensor redrawn = at::empty_like(values).normal_(0.0, 1.0, gen);
      values = at::where(outside, redrawn, values);
    }
  }
  return values.to(type);
}

KernelFactory random_float(Distribution distribution) {
  return [distribution](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    const at::ScalarType type = tf::dtype_attr(init, "dtype", std::nullopt);
    if (!at::isFloatingType(type))
      fail(init,
           "dtype is " + tf::type_name(type) + "; expected float16, bfloat16, float32 or float64");
    const Seeds seeds = Seeds::of(init);
    return [distribution, type, seeds](KernelContext& ctx) -> Tensors {
      const std::vector<int64_t> shape = read_shape(ctx.inputs[0]);
      const c10::optional<at::Generator> gen = seeds.generator();
      if (distribution == Distribution::Uniform) return {uniform(shape, type, gen)};
      return {normal(shape, type, distribution == Distribution::TruncatedNormal, gen)};
    };
  };
}

// RandomUniformInt(shape, minval, maxval): scalars of Tout (int32 or int64), minval < maxval.
KernelFactory random_uniform_int() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 3);
    const at::ScalarType type = tf::dtype_attr(init, "Tout", std::nullopt);
    if (type != at::kInt && type != at::kLong)
      fail(init, "Tout is " + tf::type_name(type) + "; expected int32 or int64");
    const Seeds seeds = Seeds::of(init);
    return [type, seeds](KernelContext& ctx) -> Tensors {
      const std::vector<int64_t> shape = read_shape(ctx.inputs[0]);
      const at::Tensor& low = ctx.inputs[1];
      const at::Tensor& high = ctx.inputs[2];
      if (low.dim() != 0 || high.dim() != 0 || low.scalar_type() != type ||
          high.scalar_type() != type)
        throw Error("minval and maxval must be " + tf::type_name(type) + " scalars");
      const int64_t lo = low.item<int64_t>();
      const int64_t hi = high.item<int64_t>();
      if (lo >= hi)
        throw Error("minval " + std::to_string(lo) + " is not below maxval " + std::to_string(hi));
      return {at::randint(lo, hi, shape, seeds.generator(), at::TensorOptions().dtype(type))};
    };
  };
}

}  // namespace

void register_tf_random_ops(OpRegistry& registry) {
  using tf::add_op;
  add_op(registry, "RandomUniform", random_float(Distribution::Uniform));
  add_op(registry, "RandomStandardNormal", random_float(Distribution::Normal));
  add_op(registry, "TruncatedNormal", random_float(Distribution::TruncatedNormal));
  add_op(registry, "RandomUniformInt", random_uniform_int());
}

}  // namespace layerscope::runtime
