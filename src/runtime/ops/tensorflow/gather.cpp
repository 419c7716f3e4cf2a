// TensorFlow's ops that pick elements by index — GatherV2, Gather, GatherNd — and Where, which
// gives the indices of the true elements. Indices are checked as TF's CPU kernels check them: an
// index outside its dimension is an error naming it, never a read outside the tensor.
#include "runtime/ops/tensorflow/int_inputs.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <layerscope/tensor.h>

#include "runtime/tensor_bridge.h"

#include <vector>

namespace layerscope::runtime {
namespace {

using tf::add_op;
using tf::dims_string;
using tf::fail_at;
using tf::IntInput;
using tf::resolve_axis;

at::Tensor index_tensor(const at::Tensor& indices, const std::string& where) {
  const at::ScalarType type = indices.scalar_type();
  if (type != at::kInt && type != at::kLong)
    fail_at(where, "indices are " + dtype_name(to_dtype(type)) + "; expected int32 or int64");
  return indices.to(at::kLong);
}

// The position of the first true element of `bad`, and the entry of `indices` there (the whole
// last dimension of `indices` when `bad` lacks it).
std::vector<int64_t> first_true(const at::Tensor& bad) { return to_int64_vector(bad.nonzero()[0]); }
at::Tensor entry_at(at::Tensor indices, const std::vector<int64_t>& position) {
  for (int64_t p : position) indices = indices.select(0, p);
  return indices;
}

// Fails unless every index lies in [0, size): TF's CPU kernels refuse the others.
void check_indices(const at::Tensor& indices, int64_t size, const std::string& what,
                   const std::string& where) {
  if (indices.numel() == 0) return;
  const at::Tensor bad = (indices < 0).logical_or_(indices >= size);
  if (!bad.any().item<bool>()) return;
  const std::vector<int64_t> position = first_true(bad);
  fail_at(where, "indices" + dims_string(position) + " = " +
                     std::to_string(entry_at(indices, position).item<int64_t>()) + " is outside " +
                     what + "; expected 0.." + std::to_string(size - 1));
}

// params[indices] along `axis`, the first batch_dims dimensions of params and indices paired:
// output shape params[:axis] + indices[batch_dims:] + params[axis + 1:].
at::Tensor gather(const at::Tensor& params, const at::Tensor& indices_given, int64_t axis_given,
                  int64_t batch_dims_given, const std::string& where) {
  const at::Tensor indices = index_tensor(indices_given, where);
  const int64_t index_rank = indices.dim();
  int64_t batch_dims = batch_dims_given < 0 ? batch_dims_given + index_rank : batch_dims_given;
  if (batch_dims < 0 || batch_dims > index_rank)
    fail_at(where, "batch_dims " + std::to_string(batch_dims_given) +
                       " is out of range for indices of rank " + std::to_string(index_rank));
  if (params.dim() == 0) fail_at(where, "params is a scalar; expected rank >= 1");
  const int64_t axis = resolve_axis(axis_given, params.dim(), "axis", where);
  if (batch_dims > axis)
    fail_at(where, "batch_dims " + std::to_string(batch_dims_given) + " is past axis " +
                       std::to_string(axis_given) + "; expected batch_dims <= axis");
  for (int64_t b = 0; b < batch_dims; ++b)
    if (params.size(b) != indices.size(b))
      fail_at(where, "params of shape " + dims_string(params.sizes()) + " and indices of shape " +
                         dims_string(indices.sizes()) + " differ in their first " +
                         std::to_string(batch_dims) + " (batch) dimensions");
  check_indices(
      indices, params.size(axis),
      "axis " + std::to_string(axis) + " of params of shape " + dims_string(params.sizes()), where);

  const at::IntArrayRef p = params.sizes();
  std::vector<int64_t> out_shape(p.begin(), p.begin() + axis);
  out_shape.insert(out_shape.end(), indices.sizes().begin() + batch_dims, indices.sizes().end());
  out_shape.insert(out_shape.end(), p.begin() + axis + 1, p.end());
  if (batch_dims == 0) return params.index_select(axis, indices.reshape(-1)).reshape(out_shape);

  // Batched: params as [B, outer, A, inner] and indices as [B, M]; gather along A.
  const int64_t batch = c10::multiply_integers(p.begin(), p.begin() + batch_dims);
  const int64_t outer = c10::multiply_integers(p.begin() + batch_dims, p.begin() + axis);
  const int64_t inner = c10::multiply_integers(p.begin() + axis + 1, p.end());
  const at::Tensor grouped = params.reshape({batch, outer, p[axis], inner});
  const at::IntArrayRef q = indices.sizes();
  const int64_t count = c10::multiply_integers(q.begin() + batch_dims, q.end());
  const at::Tensor index =
      indices.reshape({batch, 1, count, 1}).expand({batch, outer, count, inner});
  return grouped.gather(2, index).reshape(out_shape);
}

// GatherV2(params, indices, axis), with attribute batch_dims (default 0).
KernelFactory gather_v2() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t batch_dims = init.node.attr_int("batch_dims", 0);
    const IntInput axis(init, 2, "axis");
    return [batch_dims, axis, where = init.where()](KernelContext& ctx) -> Tensors {
      return {gather(ctx.inputs.at(0), ctx.inputs.at(1), axis.scalar(ctx), batch_dims, where)};
    };
  };
}

// Gather(params, indices): TF 1's form, always along axis 0.
KernelFactory gather_v1() {
  return [](const KernelInit& init) -> Kernel {
    return [where = init.where()](KernelContext& ctx) -> Tensors {
      return {gather(ctx.inputs.at(0), ctx.inputs.at(1), 0, 0, where)};
    };
  };
}

// GatherNd(params, indices): the last dimension of indices (K) addresses the first K dimensions
// of params; output shape indices[:-1] + params[K:].
KernelFactory gather_nd() {
  return [](const KernelInit& init) -> Kernel {
    if (init.node.attr_int("batch_dims", 0) != 0)
      fail(init, "batch_dims " + std::to_string(init.node.attr_int("batch_dims", 0)) +
                     " is not supported; expected 0");
    return [where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& params = ctx.inputs.at(0);
      const at::Tensor indices = index_tensor(ctx.inputs.at(1), where);
      if (indices.dim() == 0) fail_at(where, "indices is a scalar; expected rank >= 1");
      const int64_t depth = indices.size(-1);
      if (depth > params.dim())
        fail_at(where, "indices of shape " + dims_string(indices.sizes()) + " address " +
                           std::to_string(depth) + " dimensions of params of shape " +
                           dims_string(params.sizes()) + ", which has fewer");
      const at::IntArrayRef p = params.sizes();
      const std::vector<int64_t> addressed(p.begin(), p.begin() + depth);
      const at::Tensor limits = at::tensor(addressed, at::TensorOptions().dtype(at::kLong));
      const at::Tensor bad = ((indices < 0) | (indices >= limits)).any(-1);
      if (bad.numel() > 0 && bad.any().item<bool>()) {
        const std::vector<int64_t> position = first_true(bad);
        fail_at(where, "indices" + dims_string(position) + " = " +
                           dims_string(to_int64_vector(entry_at(indices, position))) +
                           " does not address an element of params' first dimensions " +
                           dims_string(addressed));
      }
      // Row-major offsets into params viewed as [prod(p[:K]), rest...].
      std::vector<int64_t> strides(static_cast<std::size_t>(depth), 1);
      for (int64_t k = depth - 2; k >= 0; --k)
        strides[static_cast<std::size_t>(k)] =
            strides[static_cast<std::size_t>(k + 1)] * p[static_cast<std::size_t>(k + 1)];
      const at::Tensor offsets =
          depth == 0 ? at::zeros(indices.sizes().slice(0, indices.dim() - 1), indices.options())
                     : (indices * at::tensor(strides, indices.options())).sum(-1);
      std::vector<int64_t> rows_shape{c10::multiply_integers(addressed)};
      rows_shape.insert(rows_shape.end(), p.begin() + depth, p.end());
      std::vector<int64_t> out_shape(indices.sizes().begin(), indices.sizes().end() - 1);
      out_shape.insert(out_shape.end(), p.begin() + depth, p.end());
      return {params.reshape(rows_shape).index_select(0, offsets.reshape(-1)).reshape(out_shape)};
    };
  };
}

// Where(condition): the coordinates of its non-zero (true) elements, int64 [count, rank], in
// row-major order.
KernelFactory where_true() {
  return [](const KernelInit& init) -> Kernel {
    if (init.input_count() != 1)
      fail(init, "has " + std::to_string(init.input_count()) +
                     " inputs; expected 1 (tf.where with x and y is SelectV2)");
    return [](KernelContext& ctx) -> Tensors { return {at::nonzero(ctx.inputs.at(0))}; };
  };
}

}  // namespace

void register_tf_gather_ops(OpRegistry& registry) {
  add_op(registry, "GatherV2", gather_v2());
  add_op(registry, "Gather", gather_v1());
  add_op(registry, "GatherNd", gather_nd());
  add_op(registry, "Where", where_true());
}

}  // namespace layerscope::runtime
