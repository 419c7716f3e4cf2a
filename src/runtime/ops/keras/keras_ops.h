#pragma once
// What the Keras layers' kernels share: registration in domain "keras" (from opset 2: the opset of
// a Keras model is the major version of the Keras that wrote it) and the float view of an input.
#include "runtime/registry.h"

#include <string>

namespace layerscope::runtime::keras {

inline void add_op(OpRegistry& registry, const std::string& op, KernelFactory factory) {
  constexpr int kKeras2 = 2;
  registry.add_in_domain("keras", op, kKeras2, kLatestOpset, std::move(factory));
}

// Integer and boolean inputs (token ids, raw pixels) are computed on in float32, as Keras casts
// them to the layer's dtype.
inline at::Tensor as_float(const at::Tensor& x) {
  return at::isFloatingType(x.scalar_type()) ? x : x.to(at::kFloat);
}

}  // namespace layerscope::runtime::keras
