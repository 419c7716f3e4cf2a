// Softmax, LogSoftmax and Hardmax.
//
// Up to opset 12 these coerce the input to 2-D at `axis` (default 1), [d0*...*d(axis-1),
// d(axis)*...*d(n-1)], and normalize each row over all trailing dimensions together. From opset 13
// they normalize along the single dimension `axis` (default -1). Each op is registered twice.
#include "runtime/kernel.h"
#include "runtime/registry.h"

#include <functional>
#include <string>

namespace layerscope::runtime {
namespace {

// Normalizes `x` along one dimension.
using AlongDim = std::function<at::Tensor(const at::Tensor& x, int64_t dim)>;

KernelFactory coerced_2d_kernel(AlongDim along_dim) {
  return [along_dim](const KernelInit& init) -> Kernel {
    const int64_t axis = init.node.attr_int("axis", 1);
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      // Axis == rank is allowed here: every row is then a single element.
      const int64_t split = axis == x.dim() ? axis : normalize_axis(axis, x.dim(), where);
      int64_t rows = 1;
      for (int64_t d = 0; d < split; ++d) rows *= x.size(d);
      const at::Tensor matrix =
          widen_reduced_float(x).reshape({rows, rows == 0 ? 0 : x.numel() / rows});
      return {along_dim(matrix, 1).reshape(x.sizes()).to(x.scalar_type())};
    };
  };
}

KernelFactory single_axis_kernel(AlongDim along_dim) {
  return [along_dim](const KernelInit& init) -> Kernel {
    const int64_t axis = init.node.attr_int("axis", -1);
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t dim = normalize_axis(axis, x.dim(), where);
      return {along_dim(widen_reduced_float(x), dim).to(x.scalar_type())};
    };
  };
}

void register_both_versions(OpRegistry& registry, const std::string& op, const AlongDim& fn) {
  registry.add(op, 1, coerced_2d_kernel(fn), 12);
  registry.add(op, 13, single_axis_kernel(fn));
}

// 1 at the first maximum along `dim`, 0 elsewhere.
at::Tensor hardmax(const at::Tensor& x, int64_t dim) {
  if (x.numel() == 0) return at::zeros_like(x);
  const at::Tensor first_max = at::argmax(x, dim, /*keepdim=*/true);
  return at::zeros_like(x).scatter_(dim, first_max, 1);
}

}  // namespace

void register_softmax_ops(OpRegistry& registry) {
  register_both_versions(registry, "Softmax",
                         [](const at::Tensor& x, int64_t dim) { return at::softmax(x, dim); });
  register_both_versions(registry, "LogSoftmax",
                         [](const at::Tensor& x, int64_t dim) { return at::log_softmax(x, dim); });
  register_both_versions(registry, "Hardmax", hardmax);
}

}  // namespace layerscope::runtime
