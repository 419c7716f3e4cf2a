// TensorFlow's ops that join tensors or cut one into parts: ConcatV2, Concat, Pack, Unpack,
// Split, SplitV. The parts of Unpack, Split and SplitV are views of their input (no copy); joining
// copies, unless there is only one tensor to join.
#include "runtime/ops/tensorflow/int_inputs.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <layerscope/tensor.h>

#include "runtime/tensor_bridge.h"

#include <algorithm>

namespace layerscope::runtime {
namespace {

using tf::add_op;
using tf::dims_string;
using tf::fail_at;
using tf::IntInput;
using tf::resolve_axis;

void check_same_dtype(const std::vector<at::Tensor>& values, const std::string& where) {
  for (std::size_t i = 1; i < values.size(); ++i)
    if (values[i].scalar_type() != values[0].scalar_type())
      fail_at(where, "input " + std::to_string(i) + " is " +
                         dtype_name(to_dtype(values[i].scalar_type())) + "; expected " +
                         dtype_name(to_dtype(values[0].scalar_type())) + " like input 0");
}

// Every value has the first one's shape except along `axis` (or everywhere when axis < 0).
void check_same_shape(const std::vector<at::Tensor>& values, int64_t axis,
                      const std::string& where) {
  const at::IntArrayRef first = values[0].sizes();
  for (std::size_t i = 1; i < values.size(); ++i) {
    const at::IntArrayRef shape = values[i].sizes();
    bool same = shape.size() == first.size();
    for (std::size_t a = 0; same && a < shape.size(); ++a)
      same = static_cast<int64_t>(a) == axis || shape[a] == first[a];
    if (!same)
      fail_at(where, "input " + std::to_string(i) + " has shape " + dims_string(shape) +
                         "; expected " + dims_string(first) + " like input 0" +
                         (axis >= 0 ? " except along axis " + std::to_string(axis) : ""));
  }
}

at::Tensor concat(const std::vector<at::Tensor>& values, int64_t axis_given,
                  const std::string& where) {
  if (values.empty()) fail_at(where, "no values to concatenate");
  check_same_dtype(values, where);
  const int64_t rank = values[0].dim();
  if (rank == 0) fail_at(where, "cannot concatenate scalars; expected tensors of rank >= 1");
  const int64_t axis = resolve_axis(axis_given, rank, "axis", where);
  check_same_shape(values, axis, where);
  if (values.size() == 1) return values[0];
  return at::cat(values, axis);
}

// ConcatV2(values..., axis): the axis comes last.
KernelFactory concat_v2() {
  return [](const KernelInit& init) -> Kernel {
    if (init.input_count() < 2) fail(init, "expected at least one value and an axis");
    const std::size_t count = init.input_count() - 1;
    const IntInput axis(init, count, "axis");
    return [axis, count, where = init.where()](KernelContext& ctx) -> Tensors {
      const std::vector<at::Tensor> values(ctx.inputs.begin(), ctx.inputs.begin() + count);
      return {concat(values, axis.scalar(ctx), where)};
    };
  };
}

// Concat(concat_dim, values...): TF 1's form, the axis first.
KernelFactory concat_v1() {
  return [](const KernelInit& init) -> Kernel {
    if (init.input_count() < 2) fail(init, "expected an axis and at least one value");
    const IntInput axis(init, 0, "concat_dim");
    return [axis, where = init.where()](KernelContext& ctx) -> Tensors {
      const std::vector<at::Tensor> values(ctx.inputs.begin() + 1, ctx.inputs.end());
      return {concat(values, axis.scalar(ctx), where)};
    };
  };
}

// Pack (tf.stack): N tensors of one shape joined along a new dimension `axis`.
KernelFactory pack() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", 0);
    if (init.input_count() == 0) fail(init, "no values to pack");
    return [axis_attr, where = init.where()](KernelContext& ctx) -> Tensors {
      const std::vector<at::Tensor>& values = ctx.inputs;
      check_same_dtype(values, where);
      check_same_shape(values, -1, where);
      const int64_t axis = resolve_axis(axis_attr, values[0].dim() + 1, "axis", where);
      if (values.size() == 1) return {values[0].unsqueeze(axis)};
      return {at::stack(values, axis)};
    };
  };
}

// Unpack (tf.unstack): `num` outputs, the slices along `axis`, each a view.
KernelFactory unpack() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", 0);
    const int64_t num = init.node.attr_int("num", static_cast<int64_t>(init.node.outputs.size()));
    return [axis_attr, num, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t axis = resolve_axis(axis_attr, x.dim(), "axis", where);
      if (x.size(axis) != num)
        fail_at(where, "cannot unpack " + std::to_string(num) + " tensors from axis " +
                           std::to_string(axis_attr) + " of shape " + dims_string(x.sizes()) +
                           "; expected its size to be num");
      Tensors parts;
      for (int64_t i = 0; i < num; ++i) parts.push_back(x.select(axis, i));
      return parts;
    };
  };
}

Tensors split_views(const at::Tensor& x, int64_t axis, const std::vector<int64_t>& sizes) {
  Tensors parts;
  int64_t start = 0;
  for (int64_t size : sizes) {
    parts.push_back(x.narrow(axis, start, size));
    start += size;
  }
  return parts;
}

// Split(split_dim, value): num_split equal parts along split_dim.
KernelFactory split() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t num_split = init.node.attr_int("num_split", 0);
    if (num_split < 1) fail(init, "num_split is " + std::to_string(num_split) + "; expected >= 1");
    const IntInput axis_input(init, 0, "split_dim");
    return [axis_input, num_split, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(1);
      const int64_t axis_given = axis_input.scalar(ctx);
      const int64_t axis = resolve_axis(axis_given, x.dim(), "split_dim", where);
      const int64_t dim = x.size(axis);
      if (dim % num_split != 0)
        fail_at(where, "cannot split axis " + std::to_string(axis_given) + " of shape " +
                           dims_string(x.sizes()) + " into " + std::to_string(num_split) +
                           " equal parts: " + std::to_string(dim) + " is not a multiple of " +
                           std::to_string(num_split));
      return split_views(
          x, axis, std::vector<int64_t>(static_cast<std::size_t>(num_split), dim / num_split));
    };
  };
}

// SplitV(value, size_splits, split_dim): parts of the given sizes; one size may be -1, the rest.
KernelFactory split_v() {
  return [](const KernelInit& init) -> Kernel {
    const int64_t num_split = init.node.attr_int("num_split", 0);
    if (num_split < 1) fail(init, "num_split is " + std::to_string(num_split) + "; expected >= 1");
    const IntInput sizes_input(init, 1, "size_splits");
    const IntInput axis_input(init, 2, "split_dim");
    return [=, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t axis_given = axis_input.scalar(ctx);
      const int64_t axis = resolve_axis(axis_given, x.dim(), "split_dim", where);
      const int64_t dim = x.size(axis);
      std::vector<int64_t> sizes = sizes_input.list(ctx);
      const std::string what = "size_splits " + dims_string(sizes);
      if (static_cast<int64_t>(sizes.size()) != num_split)
        fail_at(where, what + " has " + std::to_string(sizes.size()) +
                           " entries; expected num_split = " + std::to_string(num_split));
      int inferred = -1;
      int64_t known = 0;
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] == -1 && inferred < 0) {
          inferred = static_cast<int>(i);
        } else if (sizes[i] < 0) {
          fail_at(where, what + " has a negative size other than a single -1");
        } else if (sizes[i] > dim - known) {
          known = dim + 1;  // over the dimension; reported below
          break;
        } else {
          known += sizes[i];
        }
      }
      if (inferred >= 0 && known <= dim) sizes[static_cast<std::size_t>(inferred)] = dim - known;
      if (known > dim || (inferred < 0 && known != dim))
        fail_at(where, "cannot split axis " + std::to_string(axis_given) + " of shape " +
                           dims_string(x.sizes()) + " into " + what + ": the sizes add up to " +
                           (known > dim ? "more than " : "") +
                           std::to_string(std::min(known, dim)) + ", expected " +
                           std::to_string(dim));
      return split_views(x, axis, sizes);
    };
  };
}

}  // namespace

void register_tf_concat_split_ops(OpRegistry& registry) {
  add_op(registry, "ConcatV2", concat_v2());
  add_op(registry, "Concat", concat_v1());
  add_op(registry, "Pack", pack());
  add_op(registry, "Unpack", unpack());
  add_op(registry, "Split", split());
  add_op(registry, "SplitV", split_v());
}

}  // namespace layerscope::runtime
