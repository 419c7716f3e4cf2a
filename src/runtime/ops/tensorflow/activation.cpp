// TensorFlow's activations: Relu and Relu6 (integers too), Elu, Selu, LeakyRelu (alpha, 0.2 by
// default), Sigmoid, Tanh, Softplus, Softsign, and Softmax/LogSoftmax over the last axis. NaN stays
// NaN through each, as in TF. float16/bfloat16 are computed in float32 and rounded back.
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::Accepts;
using T = const at::Tensor&;
using UnaryFn = at::Tensor (*)(const at::Tensor&);

KernelFactory activation(Accepts kind, UnaryFn fn) {
  return [kind, fn](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    return [kind, fn](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      tf::require(x, kind);
      return {fn(widen_reduced_float(x)).to(x.scalar_type())};
    };
  };
}

// TF's softplus: x above -log(eps) - 2 (where log1p(exp(x)) rounds to x), exp(x) below
// log(eps) + 2, log1p(exp(x)) between; eps of the input's own type.
at::Tensor softplus(const at::Tensor& x, double epsilon) {
  const double threshold = std::log(epsilon) + 2.0;
  return at::where(x > -threshold, x, at::where(x < threshold, at::exp(x), at::log1p(at::exp(x))));
}

double epsilon_of(at::ScalarType type) {
  switch (type) {
    case at::kHalf:
      return 0.0009765625;  // 2^-10
    case at::kBFloat16:
      return 0.0078125;  // 2^-7
    case at::kDouble:
      return std::numeric_limits<double>::epsilon();
    default:
      return std::numeric_limits<float>::epsilon();
  }
}

KernelFactory softplus_kernel() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    return [](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      tf::require(x, Accepts::Floats);
      return {softplus(widen_reduced_float(x), epsilon_of(x.scalar_type())).to(x.scalar_type())};
    };
  };
}

KernelFactory leaky_relu() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    const double alpha = init.node.attr_float("alpha", 0.2);
    return [alpha](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      tf::require(x, Accepts::Floats);
      const at::Tensor wide = widen_reduced_float(x);
      return {at::where(wide > 0, wide, wide * alpha).to(x.scalar_type())};
    };
  };
}

// Softmax and LogSoftmax normalize the last axis of a tensor of rank 1 or more.
KernelFactory softmax(bool log) {
  return [log](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    return [log](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      tf::require(x, Accepts::Floats);
      if (x.dim() == 0) throw Error("logits are a scalar; expected rank 1 or more");
      const at::Tensor wide = widen_reduced_float(x);
      return {(log ? at::log_softmax(wide, -1) : at::softmax(wide, -1)).to(x.scalar_type())};
    };
  };
}

}  // namespace

void register_tf_activation_ops(OpRegistry& registry) {
  using tf::add_op;
  add_op(registry, "Relu", activation(Accepts::Numbers, [](T x) { return at::relu(x); }));
  add_op(registry, "Relu6", activation(Accepts::Numbers, [](T x) { return at::clamp(x, 0, 6); }));
  add_op(registry, "Elu",
         activation(Accepts::Floats, [](T x) { return at::where(x < 0, at::expm1(x), x); }));
  add_op(registry, "Selu", activation(Accepts::Floats, [](T x) { return at::selu(x); }));
  add_op(registry, "Sigmoid", activation(Accepts::Floats, [](T x) { return at::sigmoid(x); }));
  add_op(registry, "Tanh", activation(Accepts::Floats, [](T x) { return at::tanh(x); }));
  add_op(registry, "Softsign",
         activation(Accepts::Floats, [](T x) { return x / (at::abs(x) + 1); }));
  add_op(registry, "LeakyRelu", leaky_relu());
  add_op(registry, "Softplus", softplus_kernel());
  add_op(registry, "Softmax", softmax(false));
  add_op(registry, "LogSoftmax", softmax(true));
}

}  // namespace layerscope::runtime
