// Kernels of the Keras core layers: Dense, activation layers, identity-at-inference layers, the
// reshaping layers that only move values, and Rescaling. Tensors are in Keras's layout.
#include "graph/op_catalog.h"
#include "runtime/ops/keras/activation.h"
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

using keras::activate;
using keras::activation_of;
using keras::ActivationFn;
using keras::add_op;
using keras::as_float;

KernelFactory dense() {
  return [](const KernelInit& init) -> Kernel {
    // at::linear wants the weight as (units, in): transposed once here.
    const at::Tensor weight = init.constant_input(1).t().contiguous();
    const at::Tensor bias =
        init.node.attr_int("use_bias", 1) ? init.constant_input(2) : at::Tensor();
    const ActivationFn act = activation_of(init);
    return [weight, bias, act](KernelContext& ctx) -> Tensors {
      return {activate(act, at::linear(as_float(ctx.inputs[0]), weight, bias))};
    };
  };
}

KernelFactory activation() {
  return [](const KernelInit& init) -> Kernel {
    const ActivationFn act = activation_of(init);
    return
        [act](KernelContext& ctx) -> Tensors { return {activate(act, as_float(ctx.inputs[0]))}; };
  };
}

KernelFactory identity() {
  return unary_kernel([](const at::Tensor& x) { return x; });
}

// A nested model's own node: its last layers' outputs under its name (no copy).
KernelFactory nested_model() {
  return [](const KernelInit&) -> Kernel {
    return [](KernelContext& ctx) -> Tensors { return ctx.inputs; };
  };
}

KernelFactory relu_layer() {
  return [](const KernelInit& init) -> Kernel {
    const auto* max_attr = init.node.find_attribute("max_value");
    const std::optional<double> max_value =
        max_attr ? std::optional<double>(init.node.attr_float("max_value", 0)) : std::nullopt;
    const double slope = init.node.attr_float("negative_slope", 0);
    const double threshold = init.node.attr_float("threshold", 0);
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      // Keras: x from threshold up, slope * (x - threshold) below, capped at max_value.
      at::Tensor y = slope == 0 && threshold == 0
                         ? at::relu(x)
                         : at::where(x >= threshold, x, (x - threshold) * slope);
      if (max_value) y = at::clamp_max(y, *max_value);
      return {y};
    };
  };
}

KernelFactory leaky_relu_layer() {
  return [](const KernelInit& init) -> Kernel {
    const double slope = init.node.attr_float("negative_slope", 0.3);
    return
        [slope](KernelContext& ctx) -> Tensors { return {at::leaky_relu(ctx.inputs[0], slope)}; };
  };
}

KernelFactory elu_layer() {
  return [](const KernelInit& init) -> Kernel {
    const double alpha = init.node.attr_float("alpha", 1.0);
    return [alpha](KernelContext& ctx) -> Tensors { return {at::elu(ctx.inputs[0], alpha)}; };
  };
}

KernelFactory thresholded_relu_layer() {
  return [](const KernelInit& init) -> Kernel {
    const double theta = init.node.attr_float("theta", 1.0);
    return [theta](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      return {at::where(x > theta, x, at::zeros_like(x))};
    };
  };
}

KernelFactory prelu_layer() {
  return [](const KernelInit& init) -> Kernel {
    const at::Tensor alpha = init.constant_input(1);  // input shape without batch, 1 on shared axes
    return [alpha](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      return {at::where(x >= 0, x, x * alpha)};
    };
  };
}

KernelFactory softmax_layer() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> axes = init.node.attr_ints("axes", {-1});
    return [axes](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      if (axes.size() == 1) return {at::softmax(x, axes[0])};
      return {at::exp(x - at::logsumexp(x, axes, /*keepdim=*/true))};
    };
  };
}

KernelFactory flatten() {
  return unary_kernel([](const at::Tensor& x) { return x.reshape({x.size(0), -1}); });
}

KernelFactory reshape() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> target = init.node.attr_ints("target_shape");
    return [target](KernelContext& ctx) -> Tensors {
      std::vector<int64_t> shape{ctx.inputs[0].size(0)};
      shape.insert(shape.end(), target.begin(), target.end());
      return {ctx.inputs[0].reshape(shape)};
    };
  };
}

KernelFactory permute() {
  return [](const KernelInit& init) -> Kernel {
    std::vector<int64_t> order{0};
    for (int64_t d : init.node.attr_ints("dims")) order.push_back(d);
    return [order](KernelContext& ctx) -> Tensors {
      return {ctx.inputs[0].permute(order).contiguous()};
    };
  };
}

KernelFactory repeat_vector() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t n = init.node.attr_int("n", 1);
    return [n](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      return {x.unsqueeze(1).expand({x.size(0), n, x.size(1)}).contiguous()};
    };
  };
}

KernelFactory rescaling() {
  return [](const KernelInit& init) -> Kernel {
    const double scale = init.node.attr_float("scale", 1.0);
    const double offset = init.node.attr_float("offset", 0.0);
    return [scale, offset](KernelContext& ctx) -> Tensors {
      return {as_float(ctx.inputs[0]) * scale + offset};
    };
  };
}

}  // namespace

void register_keras_core_ops(OpRegistry& registry) {
  add_op(registry, "Dense", dense());
  add_op(registry, "Activation", activation());
  add_op(registry, "ReLU", relu_layer());
  add_op(registry, "LeakyReLU", leaky_relu_layer());
  add_op(registry, "ELU", elu_layer());
  add_op(registry, "ThresholdedReLU", thresholded_relu_layer());
  add_op(registry, "PReLU", prelu_layer());
  add_op(registry, "Softmax", softmax_layer());
  add_op(registry, "Flatten", flatten());
  add_op(registry, "Reshape", reshape());
  add_op(registry, "Permute", permute());
  add_op(registry, "RepeatVector", repeat_vector());
  add_op(registry, "Rescaling", rescaling());
  add_op(registry, "Functional", nested_model());
  add_op(registry, "Sequential", nested_model());
  for (const std::string& name : keras_inference_identities()) add_op(registry, name, identity());
}

}  // namespace layerscope::runtime
