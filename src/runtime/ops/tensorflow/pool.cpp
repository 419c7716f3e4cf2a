// Kernels of TensorFlow's poolings: MaxPool (SAME, VALID, EXPLICIT), MaxPoolV2 (ksize and strides
// as inputs), AvgPool (SAME leaves the padding out of each average), MaxPool3D and AvgPool3D, in
// the node's data_format; NHWC images run as ATen's channels_last views (tf_window.h).
#include "runtime/ops/tensorflow/image_format.h"
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"
#include "runtime/ops/tf_window.h"
#include "runtime/registry.h"

#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::add_op;
using tf::ImageFormat;

using PoolFn = at::Tensor (*)(const at::Tensor&, const std::vector<int64_t>&,
                              const std::vector<int64_t>&, const WindowPads&);

// ATen pools float32 and float64: float16/bfloat16 run in float32, integers (MaxPool's) in float64,
// which holds every int32 exactly; the result is cast back.
at::ScalarType pool_type(at::ScalarType type) {
  if (type == at::kFloat || type == at::kDouble) return type;
  return at::isFloatingType(type) ? at::kFloat : at::kDouble;
}

struct PoolWindow {
  ImageFormat format;
  std::vector<int64_t> ksize, strides;  // spatial entries; empty when given as inputs
  tf::Padding padding;

  PoolWindow(const KernelInit& init, std::size_t spatial_rank, bool attributes, bool allow_explicit)
      : format(tf::read_format(init, spatial_rank)),
        ksize(attributes ? tf::spatial_list(init, "ksize", format, 0) : std::vector<int64_t>{}),
        strides(attributes ? tf::spatial_list(init, "strides", format, 0) : std::vector<int64_t>{}),
        padding(init, format, allow_explicit) {}

  at::Tensor pool(const at::Tensor& input, const std::vector<int64_t>& k,
                  const std::vector<int64_t>& s, PoolFn fn) const {
    format.check_rank(input, "input");
    const at::Tensor x = format.aten_view(input.to(pool_type(input.scalar_type())));
    const std::vector<int64_t> ones(k.size(), 1);
    const WindowPads pads = padding.resolve(spatial_of(x), k, s, ones);
    return format.from_aten(fn(x, k, s, pads)).to(input.scalar_type());
  }
};

// MaxPool, AvgPool, MaxPool3D, AvgPool3D: ksize and strides attributes.
KernelFactory pooling(std::size_t spatial_rank, PoolFn fn, bool allow_explicit) {
  return [spatial_rank, fn, allow_explicit](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1, "input");
    const PoolWindow w(init, spatial_rank, true, allow_explicit);
    return [w, fn](KernelContext& ctx) -> Tensors {
      return {w.pool(ctx.inputs[0], w.ksize, w.strides, fn)};
    };
  };
}

// MaxPoolV2: inputs input, ksize, strides (int32 vectors in the format's order).
KernelFactory max_pool_v2() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 3, "input, ksize, strides");
    const PoolWindow w(init, 2, false, false);
    std::optional<std::vector<int64_t>> ksize, strides;
    if (const at::Tensor k = init.constant_input(1); k.defined())
      ksize = tf::spatial_entries(to_int64_vector(k), "ksize", w.format);
    if (const at::Tensor s = init.constant_input(2); s.defined())
      strides = tf::spatial_entries(to_int64_vector(s), "strides", w.format);
    return [w, ksize, strides](KernelContext& ctx) -> Tensors {
      const std::vector<int64_t> k =
          ksize ? *ksize : tf::spatial_entries(to_int64_vector(ctx.inputs[1]), "ksize", w.format);
      const std::vector<int64_t> s =
          strides ? *strides
                  : tf::spatial_entries(to_int64_vector(ctx.inputs[2]), "strides", w.format);
      return {w.pool(ctx.inputs[0], k, s, tf_max_pool)};
    };
  };
}

}  // namespace

void register_tf_pool_ops(OpRegistry& registry) {
  add_op(registry, "MaxPool", pooling(2, tf_max_pool, true));
  add_op(registry, "AvgPool", pooling(2, tf_avg_pool, false));
  add_op(registry, "MaxPool3D", pooling(3, tf_max_pool, false));
  add_op(registry, "AvgPool3D", pooling(3, tf_avg_pool, false));
  add_op(registry, "MaxPoolV2", max_pool_v2());
}

}  // namespace layerscope::runtime
