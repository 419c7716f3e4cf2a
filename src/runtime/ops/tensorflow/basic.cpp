// TensorFlow's ops that pass their inputs through at inference: Identity and its training-time
// variants (StopGradient, PreventGradient, Snapshot), IdentityN (N outputs, its N inputs),
// ReadVariableOp (a variable is an initializer holding its value), PlaceholderWithDefault (when
// nothing feeds it, its input), and NoOp (no outputs: it only orders other nodes).
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"

namespace layerscope::runtime {
namespace {

// Outputs share the inputs' tensors: kernels never write into their inputs.
KernelFactory identity() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    return [](KernelContext& ctx) -> Tensors { return {ctx.inputs[0]}; };
  };
}

KernelFactory identity_n() {
  return [](const KernelInit& init) -> Kernel {
    if (init.node.outputs.size() > init.input_count())
      fail(init, "has " + std::to_string(init.node.outputs.size()) + " outputs but " +
                     std::to_string(init.input_count()) + " inputs; expected one per input");
    return [](KernelContext& ctx) -> Tensors { return ctx.inputs; };
  };
}

}  // namespace

void register_tf_basic_ops(OpRegistry& registry) {
  for (const char* op : {"Identity", "StopGradient", "PreventGradient", "Snapshot",
                         "ReadVariableOp", "PlaceholderWithDefault"})
    tf::add_op(registry, op, identity());
  tf::add_op(registry, "IdentityN", identity_n());
  tf::add_op(registry, "NoOp", [](const KernelInit&) -> Kernel {
    return [](KernelContext&) -> Tensors { return {}; };
  });
}

}  // namespace layerscope::runtime
