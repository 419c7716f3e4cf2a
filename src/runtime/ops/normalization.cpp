// Normalizations in inference form: BatchNormalization, LayerNormalization,
// InstanceNormalization, LRN, MeanVarianceNormalization, LpNormalization, and Dropout (identity).
#include "runtime/registry.h"

#include <algorithm>
#include <string>
#include <vector>

namespace layerscope::runtime {

namespace {

bool wants_output(const KernelInit& init, std::size_t i) {
  return i < init.node.outputs.size() && init.node.outputs[i] >= 0;
}

// Shape that makes a parameter of shape (C) or (C x D1 x ...) broadcast against N x C x D1 x ...
at::Tensor along_channels(const at::Tensor& param, int64_t rank) {
  std::vector<int64_t> shape{1};
  shape.insert(shape.end(), param.sizes().begin(), param.sizes().end());
  while (static_cast<int64_t>(shape.size()) < rank) shape.push_back(1);
  return param.reshape(shape);
}

// BatchNormalization in inference is y = x * k + b with k = scale / sqrt(var + eps) and
// b = bias - mean * k; folded once at load when the parameters are initializers.
struct FoldedBatchNorm {
  at::Tensor multiplier;
  at::Tensor offset;

  static FoldedBatchNorm fold(const at::Tensor& scale, const at::Tensor& bias,
                              const at::Tensor& mean, const at::Tensor& var, double epsilon) {
    const at::Tensor k = scale.to(at::kDouble) * at::rsqrt(var.to(at::kDouble) + epsilon);
    const at::Tensor b = bias.to(at::kDouble) - mean.to(at::kDouble) * k;
    // Stored in the parameters' float type so that the usual same-type input needs no cast.
    const at::ScalarType type =
        at::isFloatingType(scale.scalar_type()) ? scale.scalar_type() : at::kFloat;
    return {k.to(type), b.to(type)};
  }

  at::Tensor apply(const at::Tensor& x_in) const {
    const at::Tensor x = widen_reduced_float(x_in);
    return at::addcmul(along_channels(offset, x.dim()).to(x.scalar_type()), x,
                       along_channels(multiplier, x.dim()).to(x.scalar_type()))
        .to(x_in.scalar_type());
  }
};

KernelFactory batch_normalization() {
  return [](const KernelInit& init) -> Kernel {
    // Training (opset 14's training_mode, or the running/saved statistics outputs of earlier
    // opsets) updates statistics from the batch; layerscope only runs inference.
    if (init.node.attr_int("training_mode", 0) != 0)
      fail(init, "training_mode=1 is not supported; layerscope runs models in inference mode");
    for (std::size_t i = 1; i < init.node.outputs.size(); ++i)
      if (wants_output(init, i))
        fail(init, "output " + std::to_string(i) +
                       " (running or saved statistics) is only produced in training mode, which "
                       "layerscope does not run; expected the single output Y");
    const double epsilon = init.node.attr_float("epsilon", 1e-5);
    std::vector<at::Tensor> params;
    for (std::size_t i = 1; i <= 4; ++i) params.push_back(init.constant_input(i));
    const bool all_constant =
        std::all_of(params.begin(), params.end(), [](const at::Tensor& t) { return t.defined(); });
    FoldedBatchNorm folded;
    if (all_constant)
      folded = FoldedBatchNorm::fold(params[0], params[1], params[2], params[3], epsilon);
    return [folded, all_constant, epsilon](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (all_constant) return {folded.apply(x)};
      return {FoldedBatchNorm::fold(ctx.inputs.at(1), ctx.inputs.at(2), ctx.inputs.at(3),
                                    ctx.inputs.at(4), epsilon)
                  .apply(x)};
    };
  };
}

at::ScalarType stash_scalar_type(int64_t onnx_type) {
  switch (onnx_type) {
    case 10:
      return at::kHalf;
    case 11:
      return at::kDouble;
    case 16:
      return at::kBFloat16;
    default:
      return at::kFloat;
  }
}

// Normalizes over the axes from `axis` on; Mean and InvStdDev keep the leading axes, with the
// normalized ones as size 1, in stash_type.
KernelFactory layer_normalization() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", -1);
    const double epsilon = init.node.attr_float("epsilon", 1e-5);
    const at::ScalarType stash = stash_scalar_type(init.node.attr_int("stash_type", 1));
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor x = widen_reduced_float(x_in);
      const int64_t axis = normalize_axis(axis_attr, x.dim(), where);
      const std::vector<int64_t> normalized(x.sizes().begin() + axis, x.sizes().end());
      // ATen wants scale and bias of exactly the normalized shape; ONNX lets them broadcast.
      auto parameter = [&](std::size_t i) -> at::Tensor {
        if (!ctx.has(i)) return {};
        return widen_reduced_float(ctx.inputs[i])
            .to(x.scalar_type())
            .expand(normalized)
            .contiguous();
      };
      at::Tensor y, mean, inv_std_dev;
      std::tie(y, mean, inv_std_dev) =
          at::native_layer_norm(x, normalized, parameter(1), parameter(2), epsilon);
      std::vector<int64_t> stat_shape(x.sizes().begin(), x.sizes().begin() + axis);
      stat_shape.resize(x.dim(), 1);
      return {y.to(x_in.scalar_type()), mean.reshape(stat_shape).to(stash),
              inv_std_dev.reshape(stat_shape).to(stash)};
    };
  };
}

std::vector<int64_t> spatial_axes(const at::Tensor& x) {
  std::vector<int64_t> axes;
  for (int64_t i = 2; i < x.dim(); ++i) axes.push_back(i);
  return axes;
}

// Per (n, c): (x - mean) / sqrt(var + epsilon) * scale[c] + bias[c] over the spatial axes.
KernelFactory instance_normalization() {
  return [](const KernelInit& init) -> Kernel {
    const double epsilon = init.node.attr_float("epsilon", 1e-5);
    const std::string where = init.where();
    return [epsilon, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      if (x_in.dim() < 3)
        throw Error(where + ": input " + c10::str(x_in.sizes()) +
                    " has no spatial axes; expected N x C x D1 x ...");
      const at::Tensor x = widen_reduced_float(x_in);
      at::Tensor var, mean;
      std::tie(var, mean) = at::var_mean(x, spatial_axes(x), /*unbiased=*/false, /*keepdim=*/true);
      const at::Tensor scale = along_channels(widen_reduced_float(ctx.inputs.at(1)), x.dim());
      const at::Tensor bias = along_channels(widen_reduced_float(ctx.inputs.at(2)), x.dim());
      const at::Tensor y = (x - mean) * at::rsqrt(var + epsilon) * scale + bias;
      return {y.to(x_in.scalar_type())};
    };
  };
}

// Local response normalization across channels:
// y = x / (bias + alpha / size * sum of x^2 over the `size` neighbouring channels)^beta.
KernelFactory lrn() {
  return [](const KernelInit& init) -> Kernel {
    const double alpha = init.node.attr_float("alpha", 1e-4);
    const double beta = init.node.attr_float("beta", 0.75);
    const double bias = init.node.attr_float("bias", 1.0);
    const int64_t size = init.node.attr_int("size", 0);
    if (size < 1) fail(init, "size " + std::to_string(size) + " must be a positive channel count");
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      if (x_in.dim() < 2)
        throw Error(where + ": input " + c10::str(x_in.sizes()) + " has no channel axis");
      const at::Tensor x = widen_reduced_float(x_in);
      // Channels become the height of an N x 1 x C x (spatial) image; a size x 1 window with a
      // divisor of one sums the squares, the window reaching (size-1)/2 channels back (rounded
      // down) and the rest forward.
      const int64_t before = (size - 1) / 2;
      const int64_t after = size - 1 - before;
      const at::Tensor squares = (x * x).reshape({x.size(0), 1, x.size(1), -1});
      const at::Tensor padded = at::constant_pad_nd(squares, {0, 0, before, after}, 0);
      const at::Tensor sums =
          at::avg_pool2d(padded, {size, 1}, {1, 1}, {0, 0}, false, true, 1).reshape(x.sizes());
      const at::Tensor y = x / (sums * (alpha / double(size)) + bias).pow(beta);
      return {y.to(x_in.scalar_type())};
    };
  };
}

// (x - mean) / (std + 1e-9) over `axes` (default N and the first two spatial axes), the epsilon
// being the one in ONNX's function definition of the op.
KernelFactory mean_variance_normalization() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> axes_attr = init.node.attr_ints("axes", {0, 2, 3});
    const std::string where = init.where();
    return [axes_attr, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor x = widen_reduced_float(x_in);
      std::vector<int64_t> axes;
      for (const int64_t a : axes_attr) axes.push_back(normalize_axis(a, x.dim(), where));
      at::Tensor var, mean;
      std::tie(var, mean) = at::var_mean(x, axes, /*unbiased=*/false, /*keepdim=*/true);
      return {((x - mean) / (at::sqrt(var) + 1e-9)).to(x_in.scalar_type())};
    };
  };
}

// x divided by its L1 or L2 norm along `axis`.
KernelFactory lp_normalization() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", -1);
    const int64_t p = init.node.attr_int("p", 2);
    if (p != 1 && p != 2)
      fail(init, "p " + std::to_string(p) + " is not supported; expected 1 or 2");
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor x = widen_reduced_float(x_in);
      const int64_t axis = normalize_axis(axis_attr, x.dim(), where);
      const at::Tensor norm = at::linalg_vector_norm(x, double(p), axis, /*keepdim=*/true);
      return {(x / norm).to(x_in.scalar_type())};
    };
  };
}

// Inference Dropout passes x through. The optional mask is all ones: of x's type before opset 10,
// bool from it. Opset 12 moved ratio and training_mode to inputs; training with a non-zero ratio
// is random and refused.
KernelFactory dropout() {
  return [](const KernelInit& init) -> Kernel {
    const bool want_mask = wants_output(init, 1);
    const bool bool_mask = init.opset >= 10;
    const double ratio_attr = init.node.attr_float("ratio", 0.5);
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (ctx.has(2) && ctx.inputs[2].numel() == 1 && ctx.inputs[2].item<bool>()) {
        const double ratio = ctx.has(1) ? ctx.inputs[1].item<double>() : ratio_attr;
        if (ratio != 0.0)
          throw Error(where + ": training_mode is true with ratio " + std::to_string(ratio) +
                      ", which drops random elements; layerscope runs inference only");
      }
      at::Tensor y = x.clone();
      if (!want_mask) return {y};
      return {y, at::ones_like(x, bool_mask ? x.options().dtype(at::kBool) : x.options())};
    };
  };
}

}  // namespace

void register_normalization_ops(OpRegistry& registry) {
  registry.add("BatchNormalization", 6, batch_normalization());
  registry.add("LayerNormalization", 17, layer_normalization());
  registry.add("InstanceNormalization", 1, instance_normalization());
  registry.add("LRN", 1, lrn());
  registry.add("MeanVarianceNormalization", 9, mean_variance_normalization());
  registry.add("LpNormalization", 1, lp_normalization());
  registry.add("Dropout", 1, dropout());
}

}  // namespace layerscope::runtime
