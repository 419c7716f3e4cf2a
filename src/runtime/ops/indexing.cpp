// Indexing ops: gathering and scattering by index tensors, and ops that produce indices
// (NonZero, TopK, ArgMax/ArgMin) or select by position (OneHot, CumSum, Compress).
//
// ONNX allows negative indices (counting from the end) where ATen does not, and ATen reports
// out-of-range indices as its own errors; normalized_indices handles both once for every op.
#include "runtime/registry.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

[[noreturn]] void fail_run(const std::string& where, const std::string& message) {
  throw Error(where + ": " + message);
}

// int64 indices into an axis of size `dim`, negative ones wrapped; throws if any is out of range.
at::Tensor normalized_indices(const at::Tensor& indices, int64_t dim, const std::string& where) {
  at::Tensor wrapped = indices.to(at::kLong);
  wrapped = at::where(wrapped < 0, wrapped + dim, wrapped);
  if (wrapped.numel() > 0 &&
      (wrapped.min().item<int64_t>() < 0 || wrapped.max().item<int64_t>() >= dim))
    fail_run(where, "index out of range for an axis of size " + std::to_string(dim));
  return wrapped;
}

std::vector<int64_t> concat_shapes(at::IntArrayRef a, at::IntArrayRef b, at::IntArrayRef c = {}) {
  std::vector<int64_t> shape(a.begin(), a.end());
  shape.insert(shape.end(), b.begin(), b.end());
  shape.insert(shape.end(), c.begin(), c.end());
  return shape;
}

// Row numbers of the index tuples in indices[..., k] (GatherND/ScatterND), with data viewed as a
// matrix whose rows are its first batch_dims + k dimensions. Indices' leading batch_dims
// dimensions address data's batch dimensions one to one.
at::Tensor tuple_rows(const at::Tensor& data, const at::Tensor& indices, int64_t batch_dims,
                      const std::string& where) {
  const int64_t k = indices.size(-1);
  if (batch_dims + k > data.dim())
    fail_run(where, "index tuples of length " + std::to_string(k) + " after " +
                        std::to_string(batch_dims) + " batch dimensions exceed the data's rank " +
                        std::to_string(data.dim()));
  for (int64_t d = 0; d < batch_dims; ++d)
    if (indices.size(d) != data.size(d))
      fail_run(where, "batch dimension " + std::to_string(d) + " differs between data and indices");
  // Rows within one batch: a row-major walk over data dims [batch_dims, batch_dims + k).
  at::Tensor rows = at::zeros(indices.sizes().slice(0, indices.dim() - 1), at::kLong);
  int64_t rows_per_batch = 1;
  for (int64_t j = 0; j < k; ++j) {
    const int64_t dim = data.size(batch_dims + j);
    rows = rows * dim + normalized_indices(indices.select(-1, j), dim, where);
    rows_per_batch *= dim;
  }
  // Offset by the batch each tuple belongs to.
  if (batch_dims > 0) {
    const int64_t batches = c10::multiply_integers(data.sizes().slice(0, batch_dims));
    std::vector<int64_t> batch_shape(static_cast<std::size_t>(rows.dim()), 1);
    std::copy(data.sizes().begin(), data.sizes().begin() + batch_dims, batch_shape.begin());
    rows = rows + at::arange(batches, at::kLong).reshape(batch_shape) * rows_per_batch;
  }
  return rows.reshape(-1);
}

// Data viewed as (tuple rows, elements per row) for GatherND/ScatterND.
at::Tensor as_row_matrix(const at::Tensor& data, int64_t addressed_dims) {
  const int64_t row_count = c10::multiply_integers(data.sizes().slice(0, addressed_dims));
  const int64_t row_size = c10::multiply_integers(data.sizes().slice(addressed_dims));
  return data.reshape({row_count, row_size});
}

// ATen's name for an ONNX reduction attribute of ScatterND/ScatterElements (opset 16; max/min 18).
// "add" has long-standing ATen ops; the others use ATen's index_reduce/scatter_reduce, which print
// a one-time "in beta" warning.
std::string scatter_reduction(const KernelInit& init) {
  const std::string reduction = init.node.attr_string("reduction", "none");
  if (reduction == "none") return "";
  if (reduction == "add") return "sum";
  if (reduction == "mul") return "prod";
  if (reduction == "max") return "amax";
  if (reduction == "min") return "amin";
  fail(init, "reduction '" + reduction + "'; expected none, add, mul, max or min");
}

void register_gathers(OpRegistry& registry) {
  registry.add("Gather", 1, [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", 0);
    return [axis_attr, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& data = ctx.inputs.at(0);
      const at::Tensor& indices = ctx.inputs.at(1);
      const int64_t axis = normalize_axis(axis_attr, data.dim(), where);
      const at::Tensor flat = normalized_indices(indices, data.size(axis), where).reshape(-1);
      const std::vector<int64_t> shape =
          concat_shapes(data.sizes().slice(0, axis), indices.sizes(), data.sizes().slice(axis + 1));
      return {data.index_select(axis, flat).reshape(shape)};
    };
  });

  registry.add("GatherElements", 11, [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", 0);
    return [axis_attr, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& data = ctx.inputs.at(0);
      const int64_t axis = normalize_axis(axis_attr, data.dim(), where);
      return {at::gather(data, axis, normalized_indices(ctx.inputs.at(1), data.size(axis), where))};
    };
  });

  // batch_dims from opset 12.
  registry.add("GatherND", 11, [](const KernelInit& init) -> Kernel {
    const int64_t batch_dims = init.node.attr_int("batch_dims", 0);
    return [batch_dims, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& data = ctx.inputs.at(0);
      const at::Tensor& indices = ctx.inputs.at(1);
      const at::Tensor rows = tuple_rows(data, indices, batch_dims, where);
      const int64_t addressed = batch_dims + indices.size(-1);
      const std::vector<int64_t> shape =
          concat_shapes(indices.sizes().slice(0, indices.dim() - 1), data.sizes().slice(addressed));
      return {as_row_matrix(data, addressed).index_select(0, rows).reshape(shape)};
    };
  });
}

void register_scatters(OpRegistry& registry) {
  registry.add("ScatterND", 11, [](const KernelInit& init) -> Kernel {
    const std::string reduction = scatter_reduction(init);
    return [reduction, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& data = ctx.inputs.at(0);
      const at::Tensor& indices = ctx.inputs.at(1);
      const at::Tensor& updates = ctx.inputs.at(2);
      const at::Tensor rows = tuple_rows(data, indices, 0, where);
      const at::Tensor matrix = as_row_matrix(data, indices.size(-1));
      const at::Tensor new_rows = updates.reshape({rows.numel(), matrix.size(1)});
      at::Tensor result;
      if (reduction.empty())
        result = matrix.index_copy(0, rows, new_rows);
      else if (reduction == "sum")
        result = matrix.index_add(0, rows, new_rows);
      else
        result = matrix.index_reduce(0, rows, new_rows, reduction, /*include_self=*/true);
      return {result.reshape(data.sizes())};
    };
  });

  // Scatter (opsets 9-10) is ScatterElements under its old name.
  const KernelFactory scatter_elements = [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", 0);
    const std::string reduction = scatter_reduction(init);
    return [axis_attr, reduction, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& data = ctx.inputs.at(0);
      const at::Tensor& updates = ctx.inputs.at(2);
      const int64_t axis = normalize_axis(axis_attr, data.dim(), where);
      const at::Tensor indices = normalized_indices(ctx.inputs.at(1), data.size(axis), where);
      if (reduction.empty()) return {at::scatter(data, axis, indices, updates)};
      if (reduction == "sum") return {at::scatter_add(data, axis, indices, updates)};
      return {at::scatter_reduce(data, axis, indices, updates, reduction, true)};
    };
  };
  registry.add("Scatter", 9, scatter_elements, 10);
  registry.add("ScatterElements", 11, scatter_elements);
}

// Unique (opset 11) of the elements of `x` (no axis) or of its slices along `axis`. ATen's
// unique_dim sorts the slices and gives inverse indices and counts; the first occurrence of each
// unique slice is the first entry of its group in a stable sort of the inverse indices. With
// sorted=0, ONNX orders the unique slices by first occurrence instead.
Tensors unique_slices(const at::Tensor& x, std::optional<int64_t> axis, bool sorted) {
  // The slices as rows of a matrix: (slice count, elements per slice).
  const at::Tensor moved = axis ? x.movedim(*axis, 0) : x.reshape(-1);
  const int64_t count = moved.size(0);
  const int64_t row_size = c10::multiply_integers(moved.sizes().slice(1));
  const at::Tensor rows = moved.reshape({count, row_size});
  auto long_options = at::TensorOptions().dtype(at::kLong);

  at::Tensor first, inverse, counts;
  if (count == 0) {
    first = inverse = counts = at::empty({0}, long_options);
  } else {
    // Widening float16/bfloat16 is exact, so it changes no comparison.
    const auto unique = at::unique_dim(widen_reduced_float(rows), 0, /*sorted=*/true,
                                       /*return_inverse=*/true, /*return_counts=*/true);
    inverse = std::get<1>(unique);
    counts = std::get<2>(unique);
    const at::Tensor by_group = std::get<1>(at::sort(inverse, /*stable=*/true, 0, false));
    first = by_group.index_select(0, counts.cumsum(0) - counts);
    if (!sorted) {
      const at::Tensor order = at::argsort(first);
      first = first.index_select(0, order);
      counts = counts.index_select(0, order);
      inverse = at::argsort(order).index_select(0, inverse);  // old group -> new position
    }
  }
  // The unique slices themselves, read from the input so their values are exact.
  at::Tensor y = moved.index_select(0, first);
  if (axis) y = y.movedim(0, *axis);
  return {y.contiguous(), first, inverse, counts};
}

void register_index_producers(OpRegistry& registry) {
  // Output (rank, count): one column of coordinates per non-zero element, in row-major order.
  registry.add("NonZero", 9, [](const KernelInit&) -> Kernel {
    return [](KernelContext& ctx) -> Tensors {
      return {at::nonzero(ctx.inputs.at(0)).t().contiguous()};
    };
  });

  // k: attribute in opset 1, input from 10; largest and sorted from 11. A stable sort keeps equal
  // values in index order, which is the tie-break ONNX requires.
  registry.add("TopK", 1, [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", -1);
    const bool largest = init.node.attr_int("largest", 1) != 0;
    const std::optional<int64_t> k_attr = init.node.find_attribute("k")
                                              ? std::optional<int64_t>(init.node.attr_int("k", 0))
                                              : std::nullopt;
    return [=, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t axis = normalize_axis(axis_attr, x.dim(), where);
      const int64_t k = k_attr ? *k_attr : ctx.inputs.at(1).reshape(-1)[0].item<int64_t>();
      if (k < 0 || k > x.size(axis))
        fail_run(where, "k = " + std::to_string(k) + " for an axis of size " +
                            std::to_string(x.size(axis)));
      const auto sorted = at::sort(x, /*stable=*/true, axis, /*descending=*/largest);
      return {std::get<0>(sorted).narrow(axis, 0, k).contiguous(),
              std::get<1>(sorted).narrow(axis, 0, k).contiguous()};
    };
  });

  // select_last_index from opset 12: search the reversed axis and map the position back.
  const auto arg_extreme = [](bool want_max) {
    return [want_max](const KernelInit& init) -> Kernel {
      const int64_t axis_attr = init.node.attr_int("axis", 0);
      const bool keepdims = init.node.attr_int("keepdims", 1) != 0;
      const bool last = init.node.attr_int("select_last_index", 0) != 0;
      return [=, where = init.where()](KernelContext& ctx) -> Tensors {
        const at::Tensor& x = ctx.inputs.at(0);
        const int64_t axis = normalize_axis(axis_attr, x.dim(), where);
        const at::Tensor searched = last ? x.flip(axis) : x;
        at::Tensor index =
            want_max ? at::argmax(searched, axis, keepdims) : at::argmin(searched, axis, keepdims);
        if (last) index = (x.size(axis) - 1) - index;
        return {index};
      };
    };
  };
  registry.add("ArgMax", 1, arg_extreme(true));
  registry.add("ArgMin", 1, arg_extreme(false));

  // Outputs Y, indices (first occurrences), inverse_indices and counts; all but Y are int64.
  registry.add("Unique", 11, [](const KernelInit& init) -> Kernel {
    const Attribute* axis_attr = init.node.find_attribute("axis");
    const std::optional<int64_t> axis_given =
        axis_attr ? std::optional<int64_t>(axis_attr->i) : std::nullopt;
    const bool sorted = init.node.attr_int("sorted", 1) != 0;
    return [axis_given, sorted, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      std::optional<int64_t> axis;
      if (axis_given) axis = normalize_axis(*axis_given, x.dim(), where);
      return unique_slices(x, axis, sorted);
    };
  });
}

void register_positional(OpRegistry& registry) {
  // Output rank is the indices' plus one, the new axis at `axis`; indices outside [-depth, depth)
  // give rows of off_value only.
  registry.add("OneHot", 9, [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", -1);
    return [axis_attr, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor indices = ctx.inputs.at(0).to(at::kLong);
      const auto depth = static_cast<int64_t>(ctx.inputs.at(1).reshape(-1)[0].item<double>());
      const at::Tensor values = ctx.inputs.at(2).reshape(-1);
      if (values.numel() != 2) fail_run(where, "values must be [off_value, on_value]");
      const int64_t axis = normalize_axis(axis_attr, indices.dim() + 1, where);
      const at::Tensor wrapped = at::where(indices < 0, indices + depth, indices);
      const at::Tensor hot = wrapped.unsqueeze(-1) == at::arange(depth, at::kLong);
      return {at::where(hot, values[1], values[0]).movedim(-1, axis).contiguous()};
    };
  });

  // axis is an input; exclusive leaves each element out of its own sum, reverse sums from the end.
  registry.add("CumSum", 11, [](const KernelInit& init) -> Kernel {
    const bool exclusive = init.node.attr_int("exclusive", 0) != 0;
    const bool reverse = init.node.attr_int("reverse", 0) != 0;
    return [exclusive, reverse, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t axis =
          normalize_axis(ctx.inputs.at(1).reshape(-1)[0].item<int64_t>(), x.dim(), where);
      const at::Tensor ordered = reverse ? x.flip(axis) : x;
      // The dtype argument keeps integer inputs from being widened to int64.
      at::Tensor sums = at::cumsum(ordered, axis, x.scalar_type());
      if (exclusive && x.size(axis) > 0) {
        const int64_t n = x.size(axis);
        sums =
            at::cat({at::zeros_like(sums.narrow(axis, 0, 1)), sums.narrow(axis, 0, n - 1)}, axis);
      }
      return {reverse ? sums.flip(axis) : sums};
    };
  });

  // Without axis the input is flattened first. A condition shorter than the axis selects nothing
  // past its end.
  registry.add("Compress", 9, [](const KernelInit& init) -> Kernel {
    const Attribute* axis_attr = init.node.find_attribute("axis");
    const std::optional<int64_t> axis_given =
        axis_attr ? std::optional<int64_t>(axis_attr->i) : std::nullopt;
    return [axis_given, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor x = axis_given ? ctx.inputs.at(0) : ctx.inputs.at(0).reshape(-1);
      const int64_t axis = axis_given ? normalize_axis(*axis_given, x.dim(), where) : 0;
      const at::Tensor selected =
          at::nonzero(ctx.inputs.at(1).reshape(-1).to(at::kBool)).reshape(-1);
      if (selected.numel() > 0 && selected.max().item<int64_t>() >= x.size(axis))
        fail_run(where, "condition selects past the end of an axis of size " +
                            std::to_string(x.size(axis)));
      return {x.index_select(axis, selected)};
    };
  });
}

}  // namespace

void register_indexing_ops(OpRegistry& registry) {
  register_gathers(registry);
  register_scatters(registry);
  register_index_producers(registry);
  register_positional(registry);
}

}  // namespace layerscope::runtime
