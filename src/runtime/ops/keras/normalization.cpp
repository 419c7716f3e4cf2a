// Kernel of Keras's BatchNormalization at inference. gamma, beta and the moving statistics are
// folded once at load into y = x * scale + shift (tf.nn.batch_normalization's form), one fused
// pass per run.
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

using keras::add_op;

// Inputs x, [gamma], [beta], moving_mean, moving_variance.
KernelFactory batch_normalization() {
  return [](const KernelInit& init) -> Kernel {
    const bool has_gamma = init.node.attr_int("scale", 1) != 0;
    const bool has_beta = init.node.attr_int("center", 1) != 0;
    const std::vector<int64_t> axes = init.node.attr_ints("axes", {-1});
    const double epsilon = init.node.attr_float("epsilon", 1e-3);
    const std::size_t mean_at = 1 + has_gamma + has_beta;
    if (init.input_count() != mean_at + 2)
      fail(init, "expected " + std::to_string(mean_at + 2) + " inputs (x, " +
                     (has_gamma ? "gamma, " : "") + (has_beta ? "beta, " : "") +
                     "moving_mean, moving_variance), got " + std::to_string(init.input_count()));
    const at::Tensor mean = init.constant_input(mean_at).to(at::kFloat);
    const at::Tensor variance = init.constant_input(mean_at + 1).to(at::kFloat);
    at::Tensor scale = at::rsqrt(variance + epsilon);
    if (has_gamma) scale = scale * init.constant_input(1).to(at::kFloat);
    at::Tensor shift = -mean * scale;
    if (has_beta) shift = shift + init.constant_input(1 + has_gamma).to(at::kFloat);
    scale = scale.contiguous();
    shift = shift.contiguous();
    // One axis: parameters (C,) broadcast along the last axis as they are, along an earlier axis
    // a once given trailing unit axes; several axes: already of the input's rank.
    const int64_t axis = axes.size() == 1 ? axes[0] : -1;
    const std::string where = init.where();
    return [scale, shift, axis, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      if (axis < 0 || axis == x.dim() - 1) return {at::addcmul(shift, x.to(at::kFloat), scale)};
      if (axis >= x.dim()) throw Error(where + ": axis " + std::to_string(axis) + " exceeds input");
      std::vector<int64_t> shape{scale.numel()};
      shape.insert(shape.end(), x.dim() - 1 - axis, 1);
      return {at::addcmul(shift.view(shape), x.to(at::kFloat), scale.view(shape))};
    };
  };
}

}  // namespace

void register_keras_normalization_ops(OpRegistry& registry) {
  add_op(registry, "BatchNormalization", batch_normalization());
}

}  // namespace layerscope::runtime
