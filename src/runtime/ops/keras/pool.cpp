// Kernels of the Keras pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D (TensorFlow's
// 'same' leaves the padding out of the average) and the global poolings.
#include "runtime/ops/keras/image.h"
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

using keras::add_op;
using keras::as_float;
using keras::channels_first;
using keras::keras_layout;
using keras::lifted;

struct PoolWindow {
  std::vector<int64_t> pool, strides;
  std::string padding;

  explicit PoolWindow(const KernelInit& init)
      : pool(init.node.attr_ints("pool_size")),
        strides(init.node.attr_ints("strides")),
        padding(init.node.attr_string("padding", "valid")) {
    if (pool.empty() || pool.size() != strides.size())
      fail(init, "pool_size and strides must have one entry per spatial axis");
  }
  std::size_t rank() const { return pool.size(); }
};

// A pooling (tf_max_pool or tf_avg_pool) of a Keras image with the layer's window; 1-D layers
// pool over a unit height.
template <typename Pool>
at::Tensor pool_image(const at::Tensor& x, const PoolWindow& w, Pool pool) {
  const std::size_t r = w.rank();
  const at::Tensor input = channels_first(x);
  const std::vector<int64_t> k = lifted(w.pool, r, 1), s = lifted(w.strides, r, 1),
                             ones(k.size(), 1);
  return keras_layout(pool(input, k, s, keras::keras_pads(w.padding, input, k, s, ones)), x.dim());
}

KernelFactory max_pooling() {
  return [](const KernelInit& init) -> Kernel {
    const PoolWindow w(init);
    return [w](KernelContext& ctx) -> Tensors {
      return {pool_image(as_float(ctx.inputs[0]), w, tf_max_pool)};
    };
  };
}

KernelFactory average_pooling() {
  return [](const KernelInit& init) -> Kernel {
    const PoolWindow w(init);
    return [w](KernelContext& ctx) -> Tensors {
      return {pool_image(as_float(ctx.inputs[0]), w, tf_avg_pool)};
    };
  };
}

template <bool Max>
KernelFactory global_pooling() {
  return [](const KernelInit& init) -> Kernel {
    const bool keepdims = init.node.attr_int("keepdims", 0) != 0;
    return [keepdims](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float(ctx.inputs[0]);
      std::vector<int64_t> axes;
      for (int64_t a = 1; a + 1 < x.dim(); ++a) axes.push_back(a);
      return {Max ? at::amax(x, axes, keepdims) : at::mean(x, axes, keepdims)};
    };
  };
}

}  // namespace

void register_keras_pool_ops(OpRegistry& registry) {
  for (const char* d : {"1D", "2D", "3D"}) {
    add_op(registry, std::string("MaxPooling") + d, max_pooling());
    add_op(registry, std::string("AveragePooling") + d, average_pooling());
    add_op(registry, std::string("GlobalMaxPooling") + d, global_pooling<true>());
    add_op(registry, std::string("GlobalAveragePooling") + d, global_pooling<false>());
  }
}

}  // namespace layerscope::runtime
