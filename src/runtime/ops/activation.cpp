// Activation functions: elementwise nonlinearities of one tensor (PRelu also takes a slope), whose
// result has the input's shape and type.
#include "runtime/kernel.h"
#include "runtime/registry.h"

#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

// `fn` applied in float32 for half types; the result keeps the input's type (ATen would turn an
// integer input into float where a float attribute enters, e.g. Shrink's bias).
template <typename Fn>
at::Tensor apply(const Fn& fn, const at::Tensor& x) {
  return fn(widen_reduced_float(x)).to(x.scalar_type());
}

// The kernel of an activation whose attributes are already folded into `fn`.
template <typename Fn>
Kernel activation(Fn fn) {
  return [fn](KernelContext& ctx) -> Tensors { return {apply(fn, ctx.inputs.at(0))}; };
}

// The factory of an activation without attributes.
template <typename Fn>
KernelFactory plain_activation(Fn fn) {
  return [fn](const KernelInit&) { return activation(fn); };
}

// y = slope * x where x < 0, else x; the slope broadcasts to x (unidirectional broadcasting).
// Before opset 7 a 1-D slope held one value per channel (dimension 1), as Caffe2 and old PyTorch
// exports have it.
KernelFactory prelu_kernel() {
  return [](const KernelInit& init) -> Kernel {
    const std::string where = init.where();
    const bool per_channel_slope = init.opset < 7;
    return [where, per_channel_slope](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      at::Tensor slope = ctx.inputs.at(1);
      if (per_channel_slope && slope.dim() == 1 && slope.numel() > 1 && x.dim() > 2) {
        std::vector<int64_t> channel_shape(x.dim() - 1, 1);
        channel_shape[0] = slope.numel();
        slope = slope.reshape(channel_shape);
      }
      const at::Tensor wide_x = widen_reduced_float(x);
      const at::Tensor y = at::where(wide_x < 0, wide_x * widen_reduced_float(slope), wide_x);
      if (y.sizes() != x.sizes()) {
        throw Error(where + ": slope of shape " + c10::str(slope.sizes()) +
                    " does not broadcast to the input's shape " + c10::str(x.sizes()) +
                    "; expected a shape broadcastable to the input's");
      }
      return {y.to(x.scalar_type())};
    };
  };
}

}  // namespace

void register_activation_ops(OpRegistry& registry) {
  using T = const at::Tensor&;

  // Version 1 of these differs only by the unused 'consumed_inputs' attribute; later versions only
  // widened the type lists.
  registry.add("Relu", 1, plain_activation([](T x) { return at::relu(x); }));
  registry.add("Sigmoid", 1, plain_activation([](T x) { return at::sigmoid(x); }));
  registry.add("Tanh", 1, plain_activation([](T x) { return at::tanh(x); }));
  registry.add("Softsign", 1, plain_activation([](T x) { return x / (at::abs(x) + 1); }));
  // log(1 + exp(x)) without overflow for large x.
  registry.add("Softplus", 1, plain_activation([](T x) { return at::softplus(x, 1, 20); }));
  registry.add("HardSwish", 14, plain_activation([](T x) { return at::hardswish(x); }));
  registry.add("Mish", 18, plain_activation([](T x) { return at::mish(x); }));
  registry.add("PRelu", 1, prelu_kernel());

  registry.add("LeakyRelu", 1, [](const KernelInit& init) {
    const double alpha = init.node.attr_float("alpha", 0.01);
    return activation([alpha](T x) { return at::leaky_relu(x, alpha); });
  });
  registry.add("Elu", 1, [](const KernelInit& init) {
    const double alpha = init.node.attr_float("alpha", 1.0);
    return activation([alpha](T x) { return at::elu(x, alpha); });
  });
  registry.add("Selu", 1, [](const KernelInit& init) {
    const double alpha = init.node.attr_float("alpha", 1.67326319217681884765625);
    const double gamma = init.node.attr_float("gamma", 1.05070102214813232421875);
    // ATen's elu(x, alpha, scale) is scale * (x > 0 ? x : alpha * (exp(x) - 1)): Selu exactly.
    return activation([alpha, gamma](T x) { return at::elu(x, alpha, gamma); });
  });
  registry.add("Celu", 12, [](const KernelInit& init) {
    const double alpha = init.node.attr_float("alpha", 1.0);
    return activation([alpha](T x) { return at::celu(x, alpha); });
  });
  registry.add("HardSigmoid", 1, [](const KernelInit& init) {
    const double alpha = init.node.attr_float("alpha", 0.2);
    const double beta = init.node.attr_float("beta", 0.5);
    return activation([alpha, beta](T x) { return at::clamp(x * alpha + beta, 0, 1); });
  });
  // An experimental op in opset 1 with the same meaning; standard from 10.
  registry.add("ThresholdedRelu", 1, [](const KernelInit& init) {
    const double alpha = init.node.attr_float("alpha", 1.0);
    return activation([alpha](T x) { return at::threshold(x, alpha, 0); });  // x > alpha ? x : 0
  });
  registry.add("Shrink", 9, [](const KernelInit& init) {
    const double lambd = init.node.attr_float("lambd", 0.5);
    const double bias = init.node.attr_float("bias", 0.0);
    return activation([lambd, bias](T x) {
      return at::where(x < -lambd, x + bias, at::where(x > lambd, x - bias, at::zeros_like(x)));
    });
  });
}

}  // namespace layerscope::runtime
