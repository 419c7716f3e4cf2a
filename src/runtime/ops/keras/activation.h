#pragma once
// Keras's activation functions by name (`activation="relu"` on a layer, or the Activation
// layer), as the kernels of domain "keras" apply them. Keras 2 and 3 differ on hard_sigmoid:
// the opset of domain "keras" is the Keras major version that wrote the model.
#include "runtime/kernel.h"

#include <functional>
#include <string>

namespace layerscope::runtime::keras {

using ActivationFn = std::function<at::Tensor(const at::Tensor&)>;

// The function named by the node's attribute `attr` (absent: linear, returned as nullptr so
// callers skip it). Fails naming the node for a name Keras does not define.
ActivationFn activation_of(const KernelInit& init, const std::string& attr = "activation");

// f(x), or x itself when f is null (linear).
inline at::Tensor activate(const ActivationFn& f, const at::Tensor& x) { return f ? f(x) : x; }

}  // namespace layerscope::runtime::keras
