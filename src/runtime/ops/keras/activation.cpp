#include "runtime/ops/keras/activation.h"

#include <map>

namespace layerscope::runtime::keras {

ActivationFn activation_of(const KernelInit& init, const std::string& attr) {
  const std::string name = init.node.attr_string(attr, "linear");
  const bool keras3 = init.opset >= 3;
  static const std::map<std::string, ActivationFn> common = {
      {"relu", [](const at::Tensor& x) { return at::relu(x); }},
      {"relu6", [](const at::Tensor& x) { return at::hardtanh(x, 0.0, 6.0); }},
      {"sigmoid", [](const at::Tensor& x) { return at::sigmoid(x); }},
      {"tanh", [](const at::Tensor& x) { return at::tanh(x); }},
      {"softmax", [](const at::Tensor& x) { return at::softmax(x, -1); }},
      {"log_softmax", [](const at::Tensor& x) { return at::log_softmax(x, -1); }},
      {"elu", [](const at::Tensor& x) { return at::elu(x); }},
      {"selu", [](const at::Tensor& x) { return at::selu(x); }},
      // TensorFlow's softplus has no linear cut-over, torch's (at 20) differs by < 1e-8.
      {"softplus", [](const at::Tensor& x) { return at::softplus(x); }},
      {"softsign", [](const at::Tensor& x) { return x / (at::abs(x) + 1); }},
      {"swish", [](const at::Tensor& x) { return at::silu(x); }},
      {"silu", [](const at::Tensor& x) { return at::silu(x); }},
      {"gelu", [](const at::Tensor& x) { return at::gelu(x); }},  // exact (erf), Keras's default
      {"exponential", [](const at::Tensor& x) { return at::exp(x); }},
      {"mish", [](const at::Tensor& x) { return at::mish(x); }},
      {"hard_silu", [](const at::Tensor& x) { return at::hardswish(x); }},
      {"hard_swish", [](const at::Tensor& x) { return at::hardswish(x); }},
      {"leaky_relu", [](const at::Tensor& x) { return at::leaky_relu(x, 0.2); }},
  };
  if (name == "linear" || name.empty()) return nullptr;
  if (name == "hard_sigmoid") {
    // Keras 2: clip(0.2 x + 0.5, 0, 1). Keras 3: relu6(x + 3) / 6, PyTorch's hardsigmoid.
    if (keras3) return [](const at::Tensor& x) { return at::hardsigmoid(x); };
    return [](const at::Tensor& x) { return at::clamp(x * 0.2 + 0.5, 0.0, 1.0); };
  }
  auto it = common.find(name);
  if (it == common.end())
    fail(init, "activation '" + name + "' is not one Keras defines (or not supported yet)");
  return it->second;
}

}  // namespace layerscope::runtime::keras
