// Matrix products: Gemm, MatMul (numpy semantics), MatMulInteger, QLinearMatMul and Einsum.
#include "runtime/ops/quantize_common.h"
#include "runtime/registry.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace layerscope::runtime {

namespace {

// Integer tensors reject floating-point alpha/beta in ATen; pass them as integers there.
at::Scalar scalar_for(double value, const at::Tensor& like) {
  if (at::isIntegralType(like.scalar_type(), /*includeBool=*/true))
    return at::Scalar(static_cast<int64_t>(value));
  return at::Scalar(value);
}

// Y = alpha * A' * B' + beta * C, with C broadcast to M x N.
KernelFactory gemm() {
  return [](const KernelInit& init) -> Kernel {
    const bool trans_a = init.node.attr_int("transA", 0) != 0;
    const bool trans_b = init.node.attr_int("transB", 0) != 0;
    const double alpha = init.node.attr_float("alpha", 1.0);
    const double beta = init.node.attr_float("beta", 1.0);
    // Weights are constants in practice: orient and convert B once.
    at::Tensor constant_b = widen_reduced_float(init.constant_input(1));
    if (constant_b.defined()) {
      if (constant_b.dim() != 2)
        fail(init, "B has rank " + std::to_string(constant_b.dim()) + "; expected a matrix");
      if (trans_b) constant_b = constant_b.t();
    }
    const bool use_c = init.has_input(2) && beta != 0.0;
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& a_in = ctx.inputs.at(0);
      at::Tensor a = widen_reduced_float(a_in);
      at::Tensor b = constant_b;
      if (!b.defined()) {
        b = widen_reduced_float(ctx.inputs.at(1));
        if (b.dim() == 2 && trans_b) b = b.t();
      }
      if (a.dim() != 2 || b.dim() != 2)
        throw Error(where + ": A " + c10::str(a.sizes()) + " and B " + c10::str(b.sizes()) +
                    " must both be matrices");
      if (trans_a) a = a.t();
      b = b.to(a.scalar_type());
      if (a.size(1) != b.size(0))
        throw Error(where + ": A' " + c10::str(a.sizes()) + " and B' " + c10::str(b.sizes()) +
                    " have different inner sizes (transA=" + std::to_string(trans_a) +
                    ", transB=" + std::to_string(trans_b) + ")");
      at::Tensor y;
      if (use_c && ctx.has(2)) {
        const at::Tensor c = widen_reduced_float(ctx.inputs[2]).to(a.scalar_type());
        y = at::addmm(c, a, b, scalar_for(beta, a), scalar_for(alpha, a));
      } else {
        y = at::mm(a, b);
        if (alpha != 1.0) y = y * scalar_for(alpha, a);
      }
      return {y.to(a_in.scalar_type())};
    };
  };
}

KernelFactory matmul() {
  return [](const KernelInit&) -> Kernel {
    return [](KernelContext& ctx) -> Tensors {
      const at::Tensor& a = ctx.inputs.at(0);
      const at::Tensor& b = ctx.inputs.at(1);
      return {at::matmul(widen_reduced_float(a), widen_reduced_float(b)).to(a.scalar_type())};
    };
  };
}

// A quantization parameter (zero point or scale) shaped to broadcast against a matrix product:
// one value for the tensor, one per row of A (`per_row`), or one per column of B.
at::Tensor along_matrix(const at::Tensor& param, bool per_row) {
  if (param.numel() == 1) return param.reshape({});
  return per_row ? param.reshape({-1, 1}) : param.reshape({1, -1});
}

// (A - a_zero_point) x (B - b_zero_point) in int32.
at::Tensor integer_product(const KernelContext& ctx, std::size_t a_index, std::size_t a_zero_index,
                           std::size_t b_index, std::size_t b_zero_index) {
  at::Tensor a = ctx.inputs.at(a_index).to(at::kInt);
  at::Tensor b = ctx.inputs.at(b_index).to(at::kInt);
  if (ctx.has(a_zero_index)) a = a - along_matrix(ctx.inputs[a_zero_index].to(at::kInt), true);
  if (ctx.has(b_zero_index)) b = b - along_matrix(ctx.inputs[b_zero_index].to(at::kInt), false);
  return at::matmul(a, b);
}

KernelFactory matmul_integer() {
  return [](const KernelInit&) -> Kernel {
    return [](KernelContext& ctx) -> Tensors { return {integer_product(ctx, 0, 2, 1, 3)}; };
  };
}

// Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
KernelFactory qlinear_matmul() {
  return [](const KernelInit& init) -> Kernel {
    const std::string where = init.where();
    return [where](KernelContext& ctx) -> Tensors {
      const at::Tensor product = integer_product(ctx, 0, 2, 3, 5).to(at::kDouble);
      const at::Tensor scale = along_matrix(ctx.inputs.at(1).to(at::kDouble), true) *
                               along_matrix(ctx.inputs.at(4).to(at::kDouble), false) /
                               ctx.inputs.at(6).to(at::kDouble);
      const at::Tensor& y_zero_point = ctx.inputs.at(7);
      return {requantize(product * scale, y_zero_point, y_zero_point.scalar_type(), where)};
    };
  };
}

// ONNX and ATen share the equation syntax (letters, "...", optional "->"); ATen rejects spaces.
KernelFactory einsum() {
  return [](const KernelInit& init) -> Kernel {
    std::string equation = init.node.attr_string("equation", "");
    equation.erase(std::remove_if(equation.begin(), equation.end(),
                                  [](unsigned char c) { return std::isspace(c); }),
                   equation.end());
    if (equation.empty()) fail(init, "the equation attribute is missing");
    return [equation](KernelContext& ctx) -> Tensors {
      std::vector<at::Tensor> operands;
      operands.reserve(ctx.inputs.size());
      for (const at::Tensor& t : ctx.inputs) operands.push_back(widen_reduced_float(t));
      return {at::einsum(equation, operands).to(ctx.inputs.at(0).scalar_type())};
    };
  };
}

}  // namespace

void register_matmul_ops(OpRegistry& registry) {
  // Gemm 1-6 differ only by the `broadcast` attribute, which the broadcasting C makes moot.
  registry.add("Gemm", 1, gemm());
  registry.add("MatMul", 1, matmul());
  registry.add("MatMulInteger", 10, matmul_integer());
  registry.add("QLinearMatMul", 10, qlinear_matmul());
  registry.add("Einsum", 12, einsum());
}

}  // namespace layerscope::runtime
