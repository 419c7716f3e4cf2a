#pragma once
// What the TensorFlow ops' kernels share: registration in domain "tensorflow" (opset 1).
#include <string>
#include "runtime/registry.h"
namespace layerscope::runtime::tf {
inline void add_op(OpRegistry& registry, const std::string& op, KernelFactory factory) {
  registry.add_in_domain("tensorflow", op, 1, kLatestOpset, std::move(factory));
}
}  // namespace layerscope::runtime::tf
