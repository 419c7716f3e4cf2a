// TensorFlow's Cast to DstT, converting each element as C++'s static_cast does (TF's kernels):
// floats to integers truncate toward zero, anything to bool is "not zero" (NaN is true), bool to a
// number is 0 or 1, a narrower integer type wraps. Truncate=true (drop float mantissa bits instead
// of rounding to nearest) is refused where it would change the result: a float narrowed to a
// smaller float type.
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <optional>
#include <string>

namespace layerscope::runtime {
namespace {

bool truncation_matters(at::ScalarType from, at::ScalarType to) {
  return at::isFloatingType(from) && at::isFloatingType(to) &&
         at::elementSize(to) < at::elementSize(from);
}

std::string truncation_refused(at::ScalarType from, at::ScalarType to) {
  return "Truncate=true casts " + tf::type_name(from) + " to " + tf::type_name(to) +
         " by dropping mantissa bits, which is not supported; expected Truncate=false "
         "(round to nearest)";
}

KernelFactory cast() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1);
    const at::ScalarType to = tf::dtype_attr(init, "DstT", std::nullopt);
    const bool truncate = init.node.attr_int("Truncate", 0) != 0;
    // Refused at load when SrcT says so, at run time from the input's type otherwise.
    if (truncate && init.node.find_attribute("SrcT") != nullptr) {
      const at::ScalarType from = tf::dtype_attr(init, "SrcT", std::nullopt);
      if (truncation_matters(from, to)) fail(init, truncation_refused(from, to));
    }
    return [to, truncate](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      if (truncate && truncation_matters(x.scalar_type(), to))
        throw Error(truncation_refused(x.scalar_type(), to));
      return {x.to(to)};
    };
  };
}

}  // namespace

void register_tf_cast_ops(OpRegistry& registry) { tf::add_op(registry, "Cast", cast()); }

}  // namespace layerscope::runtime
