// Kernels of the Keras pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D (TensorFlow's
// 'same' leaves the padding out of the average) and the global poolings.
#include "runtime/ops/keras/image.h"
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

#include <limits>

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

// ATen's pooling over a channels-first view with symmetric padding `pads`.
at::Tensor max_pool(const at::Tensor& x, const PoolWindow& w, const std::vector<int64_t>& pads) {
  const std::size_t r = w.rank();
  const std::vector<int64_t> k = lifted(w.pool, r, 1), s = lifted(w.strides, r, 1),
                             p = lifted(pads, r, 0), d(k.size(), 1);
  return k.size() == 3 ? at::max_pool3d(x, k, s, p, d) : at::max_pool2d(x, k, s, p, d);
}

at::Tensor avg_pool(const at::Tensor& x, const PoolWindow& w, const std::vector<int64_t>& pads,
                    bool count_include_pad) {
  const std::size_t r = w.rank();
  const std::vector<int64_t> k = lifted(w.pool, r, 1), s = lifted(w.strides, r, 1),
                             p = lifted(pads, r, 0);
  return k.size() == 3 ? at::avg_pool3d(x, k, s, p, false, count_include_pad)
                       : at::avg_pool2d(x, k, s, p, false, count_include_pad);
}

KernelFactory max_pooling() {
  return [](const KernelInit& init) -> Kernel {
    const PoolWindow w(init);
    return [w](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float(ctx.inputs[0]);
      const std::vector<int64_t> ones(w.rank(), 1);
      const keras::Pads pads =
          keras::tf_pads(w.padding, keras::keras_spatial(x), w.pool, w.strides, ones);
      if (pads.symmetric())  // ATen's own padding never wins a max
        return {keras_layout(max_pool(channels_first(x), w, pads.begin), x.dim())};
      const at::Tensor padded =
          keras::pad_keras_image(x, pads.begin, pads.end, -std::numeric_limits<double>::infinity());
      const std::vector<int64_t> none(w.rank(), 0);
      return {keras_layout(max_pool(channels_first(padded), w, none), x.dim())};
    };
  };
}

KernelFactory average_pooling() {
  return [](const KernelInit& init) -> Kernel {
    const PoolWindow w(init);
    return [w](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float(ctx.inputs[0]);
      const std::vector<int64_t> spatial = keras::keras_spatial(x), ones(w.rank(), 1);
      const keras::Pads pads = keras::tf_pads(w.padding, spatial, w.pool, w.strides, ones);
      if (pads.symmetric())
        return {keras_layout(avg_pool(channels_first(x), w, pads.begin, false), x.dim())};
      // Asymmetric padding is explicit zeros, which ATen would count: the sums are divided by
      // each window's count of input values instead, the same average pool of a ones mask.
      const std::vector<int64_t> none(w.rank(), 0);
      const at::Tensor sums = avg_pool(
          channels_first(keras::pad_keras_image(x, pads.begin, pads.end, 0)), w, none, true);
      std::vector<int64_t> mask_shape{1};
      mask_shape.insert(mask_shape.end(), spatial.begin(), spatial.end());
      mask_shape.push_back(1);
      const at::Tensor mask =
          keras::pad_keras_image(at::ones(mask_shape, x.options()), pads.begin, pads.end, 0);
      const at::Tensor counts = avg_pool(channels_first(mask), w, none, true);
      return {keras_layout(sums / counts, x.dim())};
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
