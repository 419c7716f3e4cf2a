// Kernels of LayerNormalization and UnitNormalization, on tensors in Keras's layout.
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

#include <algorithm>

namespace layerscope::runtime {
namespace {

using keras::add_op;
using keras::as_float;

KernelFactory layer_normalization() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> axes = init.node.attr_ints("axes");
    const double epsilon = init.node.attr_float("epsilon", 1e-3);
    const bool rms_scaling = init.node.attr_int("rms_scaling", 0) != 0;
    std::size_t next = 1;
    at::Tensor gamma =
        init.node.attr_int("has_gamma", 1) ? init.constant_input(next++) : at::Tensor();
    at::Tensor beta =
        init.node.attr_int("has_beta", 1) ? init.constant_input(next++) : at::Tensor();
    const auto& shape = init.graph.values[init.node.inputs[0]].shape;
    if (!shape) fail(init, "the input's rank is unknown");
    const auto rank = static_cast<int64_t>(shape->size());
    // As Keras: the parameters reshaped to the input's rank, normalized axes keeping their sizes.
    std::vector<int64_t> broadcast(static_cast<std::size_t>(rank), 1);
    std::vector<int64_t> sorted = axes;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t a : sorted) broadcast[a] = (*shape)[a].value;
    // The trailing axes in order: ATen's fused layer_norm, parameters shaped as those axes.
    bool trailing = !rms_scaling && sorted == axes;
    for (std::size_t i = 0; trailing && i < sorted.size(); ++i)
      trailing = sorted[i] == rank - static_cast<int64_t>(sorted.size() - i);
    if (trailing) {
      const std::vector<int64_t> normalized(broadcast.end() - sorted.size(), broadcast.end());
      if (gamma.defined()) gamma = gamma.reshape(normalized).contiguous();
      if (beta.defined()) beta = beta.reshape(normalized).contiguous();
      return [normalized, gamma, beta, epsilon](KernelContext& ctx) -> Tensors {
        return {at::layer_norm(as_float(ctx.inputs[0]), normalized, gamma, beta, epsilon)};
      };
    }
    if (gamma.defined()) gamma = gamma.reshape(broadcast);
    if (beta.defined()) beta = beta.reshape(broadcast);
    return [axes, gamma, beta, epsilon, rms_scaling](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float(ctx.inputs[0]);
      const at::Tensor mean = x.mean(axes, /*keepdim=*/true);
      const at::Tensor centered = x - mean;
      const at::Tensor inv = at::rsqrt((centered * centered).mean(axes, true) + epsilon);
      // Keras 3's rms_scaling divides x itself (not centered) by the standard deviation.
      at::Tensor y = (rms_scaling ? x : centered) * inv;
      if (gamma.defined()) y = y * gamma;
      if (beta.defined()) y = y + beta;
      return {y};
    };
  };
}

KernelFactory unit_normalization() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> axes = init.node.attr_ints("axes");
    return [axes](KernelContext& ctx) -> Tensors {
      const at::Tensor x = as_float(ctx.inputs[0]);
      // Keras: x * rsqrt(max(sum x^2, 1e-12)).
      return {x * at::rsqrt(at::clamp_min((x * x).sum(axes, /*keepdim=*/true), 1e-12))};
    };
  };
}

}  // namespace

void register_keras_layer_norm_ops(OpRegistry& registry) {
  add_op(registry, "LayerNormalization", layer_normalization());
  add_op(registry, "UnitNormalization", unit_normalization());
}

}  // namespace layerscope::runtime
