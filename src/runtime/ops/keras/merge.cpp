// Kernels of the Keras merge layers: elementwise merges, Concatenate and Dot. Inputs are in
// Keras's layout (batch first); an elementwise input of lower rank is viewed with size-1 axes
// after the batch axis, as Keras's expand_dims(x, 1) does, so ATen's broadcasting applies.
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

#include <algorithm>

namespace layerscope::runtime {
namespace {

using keras::add_op;
using keras::as_float;

// x viewed at `rank` with its missing axes inserted after the batch axis.
at::Tensor expand_after_batch(const at::Tensor& x, int64_t rank) {
  if (x.dim() >= rank) return x;
  std::vector<int64_t> shape{x.size(0)};
  shape.insert(shape.end(), static_cast<std::size_t>(rank - x.dim()), 1);
  shape.insert(shape.end(), x.sizes().begin() + 1, x.sizes().end());
  return x.view(shape);
}

enum class Merge { Add, Subtract, Multiply, Average, Maximum, Minimum };

KernelFactory elementwise(Merge op) {
  return [op](const KernelInit&) -> Kernel {
    return [op](KernelContext& ctx) -> Tensors {
      const Tensors& in = ctx.inputs;
      int64_t r = 0;
      for (const at::Tensor& x : in) r = std::max<int64_t>(r, x.dim());
      at::Tensor y = as_float(expand_after_batch(in[0], r));
      for (std::size_t i = 1; i < in.size(); ++i) {
        const at::Tensor x = as_float(expand_after_batch(in[i], r));
        switch (op) {
          case Merge::Add:
          case Merge::Average:
            y = y + x;
            break;
          case Merge::Subtract:
            y = y - x;
            break;
          case Merge::Multiply:
            y = y * x;
            break;
          case Merge::Maximum:
            y = at::maximum(y, x);
            break;
          case Merge::Minimum:
            y = at::minimum(y, x);
            break;
        }
      }
      if (op == Merge::Average) y = y / static_cast<double>(in.size());
      // A single input comes back as itself; give the output its own storage.
      if (in.size() == 1 && y.is_same(in[0])) y = y.clone();
      return {y};
    };
  };
}

KernelFactory concatenate() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t axis = init.node.attr_int("axis", -1);
    return [axis](KernelContext& ctx) -> Tensors {
      std::vector<at::Tensor> parts;
      for (const at::Tensor& x : ctx.inputs) parts.push_back(as_float(x));
      return {at::cat(parts, axis)};
    };
  };
}

// Moves axis `from` of x to position `to`.
at::Tensor move_axis(const at::Tensor& x, int64_t from, int64_t to) {
  return from == to ? x : x.movedim(from, to);
}

KernelFactory dot() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> axes = init.node.attr_ints("axes");
    if (axes.size() != 2) fail(init, "expected two axes");
    const bool normalize = init.node.attr_int("normalize", 0) != 0;
    // Keras 2 divides by sqrt(max(sum x^2, 1e-12)), Keras 3 by max(norm, epsilon = 1e-7).
    const bool keras3 = init.opset >= 3;
    auto l2_normalize = [keras3](const at::Tensor& x, int64_t axis) {
      const at::Tensor square_sum = (x * x).sum(axis, /*keepdim=*/true);
      return keras3 ? x / at::clamp_min(at::sqrt(square_sum), 1e-7)
                    : x * at::rsqrt(at::clamp_min(square_sum, 1e-12));
    };
    return [axes, normalize, l2_normalize](KernelContext& ctx) -> Tensors {
      at::Tensor x = as_float(ctx.inputs[0]), y = as_float(ctx.inputs[1]);
      if (normalize) {
        x = l2_normalize(x, axes[0]);
        y = l2_normalize(y, axes[1]);
      }
      // x as (batch, rest of x, k), y as (batch, k, rest of y): one batched matmul.
      const at::Tensor xm = move_axis(x, axes[0], x.dim() - 1);
      const at::Tensor ym = move_axis(y, axes[1], 1);
      const int64_t batch = x.size(0), k = x.size(axes[0]);
      std::vector<int64_t> out_shape(xm.sizes().begin(), xm.sizes().end() - 1);
      out_shape.insert(out_shape.end(), ym.sizes().begin() + 2, ym.sizes().end());
      const at::Tensor product = at::bmm(xm.reshape({batch, -1, k}), ym.reshape({batch, k, -1}));
      if (out_shape.size() == 1) out_shape.push_back(1);
      return {product.reshape(out_shape)};
    };
  };
}

}  // namespace

void register_keras_merge_ops(OpRegistry& registry) {
  add_op(registry, "Add", elementwise(Merge::Add));
  add_op(registry, "Subtract", elementwise(Merge::Subtract));
  add_op(registry, "Multiply", elementwise(Merge::Multiply));
  add_op(registry, "Average", elementwise(Merge::Average));
  add_op(registry, "Maximum", elementwise(Merge::Maximum));
  add_op(registry, "Minimum", elementwise(Merge::Minimum));
  add_op(registry, "Concatenate", concatenate());
  add_op(registry, "Dot", dot());
}

}  // namespace layerscope::runtime
