// Kernels of TensorFlow's FusedBatchNorm, FusedBatchNormV2 and FusedBatchNormV3: inputs x (rank 4
// or 5), scale, offset, mean, variance; outputs y, batch_mean, batch_variance, reserve_space_1,
// reserve_space_2 (and reserve_space_3 for V3).
//   - is_training false (inference graphs): y = (x - mean) * rsqrt(variance + epsilon) * scale +
//     offset, folded once at load into y = x * a + b when the four vectors are constants; the
//     statistics outputs give mean and variance through, as TF does.
//   - is_training true (TF's default): y normalized with the batch's own mean and biased variance;
//     batch_mean / batch_variance are the running statistics TF updates (with Bessel's correction,
//     blended by exponential_avg_factor), reserve_space_1 / 2 the batch's mean and biased variance.
// reserve_space_3 is TF's CPU placeholder: a scalar 0.
#include "runtime/ops/tensorflow/image_format.h"
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"
#include "runtime/registry.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::add_op;

struct Statistics {
  at::Tensor a, b;  // y = x * a + b
};

// x's layout: which axis holds the channels, from data_format (NDHWC/NCDHW name 5-D layouts, but
// TF reads any of the four names by where the channels are).
struct ChannelLayout {
  bool channels_last = true;

  // A per-channel vector shaped to broadcast along x's channel axis.
  at::Tensor along_channels(const at::Tensor& v, int64_t rank) const {
    if (channels_last) return v;
    std::vector<int64_t> shape(rank, 1);
    shape[1] = v.numel();
    return v.reshape(shape);
  }
  int64_t channels(const at::Tensor& x) const { return x.size(channels_last ? x.dim() - 1 : 1); }
  std::vector<int64_t> other_axes(int64_t rank) const {
    std::vector<int64_t> axes;
    for (int64_t a = 0; a < rank; ++a)
      if (a != (channels_last ? rank - 1 : 1)) axes.push_back(a);
    return axes;
  }
};

ChannelLayout read_layout(const KernelInit& init) {
  const std::string format = init.node.attr_string("data_format", "NHWC");
  if (format == "NHWC" || format == "NDHWC") return {true};
  if (format == "NCHW" || format == "NCDHW") return {false};
  fail(init, "data_format '" + format + "' is not supported; expected NHWC, NCHW, NDHWC or NCDHW");
}

void check_vector(const at::Tensor& v, const char* name, int64_t channels) {
  if (v.dim() != 1 || v.numel() != channels)
    throw Error(std::string(name) + " has shape " + c10::str(v.sizes()) + "; expected [" +
                std::to_string(channels) + "], one value per channel of x");
}

void check_image(const at::Tensor& x) {
  if (x.dim() != 4 && x.dim() != 5)
    throw Error("x has shape " + c10::str(x.sizes()) + "; expected rank 4 or 5");
}

// The inference fold of scale, offset, mean, variance (float32, TF's U).
Statistics fold(const at::Tensor& scale, const at::Tensor& offset, const at::Tensor& mean,
                const at::Tensor& variance, double epsilon) {
  const at::Tensor a = at::rsqrt(variance.to(at::kFloat) + epsilon) * scale.to(at::kFloat);
  return {a.contiguous(), (offset.to(at::kFloat) - mean.to(at::kFloat) * a).contiguous()};
}

at::Tensor scalar_zero() { return at::zeros({}, at::kFloat); }

KernelFactory inference(std::size_t outputs, double epsilon, ChannelLayout layout) {
  return [outputs, epsilon, layout](const KernelInit& init) -> Kernel {
    std::optional<Statistics> folded;
    const at::Tensor scale = init.constant_input(1), offset = init.constant_input(2),
                     mean = init.constant_input(3), variance = init.constant_input(4);
    if (scale.defined() && offset.defined() && mean.defined() && variance.defined()) {
      for (const auto& [v, name] :
           {std::pair{scale, "scale"}, {offset, "offset"}, {mean, "mean"}, {variance, "variance"}})
        if (v.dim() != 1 || v.numel() != scale.numel())
          fail(init, std::string(name) + " has shape " + c10::str(v.sizes()) + "; expected [" +
                         std::to_string(scale.numel()) + "] as scale");
      folded = fold(scale, offset, mean, variance, epsilon);
    }
    return [outputs, epsilon, layout, folded](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      check_image(x);
      const int64_t channels = layout.channels(x);
      const char* names[] = {"scale", "offset", "mean", "variance"};
      for (std::size_t i = 0; i < 4; ++i) check_vector(ctx.inputs[i + 1], names[i], channels);
      const Statistics s =
          folded ? *folded
                 : fold(ctx.inputs[1], ctx.inputs[2], ctx.inputs[3], ctx.inputs[4], epsilon);
      const at::Tensor y = at::addcmul(layout.along_channels(s.b, x.dim()), x.to(at::kFloat),
                                       layout.along_channels(s.a, x.dim()));
      const at::Tensor m = ctx.inputs[3].to(at::kFloat), v = ctx.inputs[4].to(at::kFloat);
      Tensors out{y.to(x.scalar_type()), m, v, m, v};
      if (outputs == 6) out.push_back(scalar_zero());
      return out;
    };
  };
}

KernelFactory training(std::size_t outputs, double epsilon, double factor, ChannelLayout layout) {
  return [outputs, epsilon, factor, layout](const KernelInit&) -> Kernel {
    return [outputs, epsilon, factor, layout](KernelContext& ctx) -> Tensors {
      const at::Tensor& input = ctx.inputs[0];
      check_image(input);
      const int64_t channels = layout.channels(input);
      check_vector(ctx.inputs[1], "scale", channels);
      check_vector(ctx.inputs[2], "offset", channels);
      const at::Tensor x = input.to(at::kFloat);
      const std::vector<int64_t> axes = layout.other_axes(x.dim());
      const int64_t count = channels == 0 ? 0 : x.numel() / channels;
      const at::Tensor mean = x.mean(axes);
      const at::Tensor centered = x - layout.along_channels(mean, x.dim());
      const at::Tensor variance = centered.square().mean(axes);  // biased, as TF normalizes
      const at::Tensor a = at::rsqrt(variance + epsilon) * ctx.inputs[1].to(at::kFloat);
      const at::Tensor y = centered * layout.along_channels(a, x.dim()) +
                           layout.along_channels(ctx.inputs[2].to(at::kFloat), x.dim());
      // The running statistics TF would store: the variance with Bessel's correction.
      const double bessel = static_cast<double>(count) / std::max<int64_t>(count - 1, 1);
      at::Tensor running_mean = mean, running_variance = variance * bessel;
      if (factor != 1.0) {
        check_vector(ctx.inputs[3], "mean", channels);
        check_vector(ctx.inputs[4], "variance", channels);
        running_mean = ctx.inputs[3].to(at::kFloat) * (1 - factor) + mean * factor;
        running_variance = ctx.inputs[4].to(at::kFloat) * (1 - factor) + running_variance * factor;
      }
      Tensors out{y.to(input.scalar_type()), running_mean, running_variance, mean, variance};
      if (outputs == 6) out.push_back(scalar_zero());
      return out;
    };
  };
}

KernelFactory fused_batch_norm(std::size_t outputs) {
  return [outputs](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 5, "x, scale, offset, mean, variance");
    const ChannelLayout layout = read_layout(init);
    const double epsilon = init.node.attr_float("epsilon", 1e-4);
    const double factor = init.node.attr_float("exponential_avg_factor", 1.0);
    if (init.node.attr_int("is_training", 1) != 0)
      return training(outputs, epsilon, factor, layout)(init);
    return inference(outputs, epsilon, layout)(init);
  };
}

}  // namespace

void register_tf_normalization_ops(OpRegistry& registry) {
  add_op(registry, "FusedBatchNorm", fused_batch_norm(5));
  add_op(registry, "FusedBatchNormV2", fused_batch_norm(5));
  add_op(registry, "FusedBatchNormV3", fused_batch_norm(6));
}

}  // namespace layerscope::runtime
