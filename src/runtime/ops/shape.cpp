// Shape and layout ops: they move, copy or create elements without arithmetic on them.
//
// Many of these ops take a small integer list (a shape, axes, pads, starts...) that older opsets
// carried as an attribute and newer ones as an input: IntListArg (kernel.h) hides the difference.
#include "runtime/registry.h"
#include "runtime/tensor_bridge.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

[[noreturn]] void fail_run(const std::string& where, const std::string& message) {
  throw Error(where + ": " + message);
}

std::string list_string(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i)
    text += (i ? "," : "") + std::to_string(values[i]);
  return text + "]";
}

// Reshape's target: 0 copies the input's dimension (unless allowzero), -1 is inferred.
std::vector<int64_t> reshape_target(at::IntArrayRef input_shape, std::vector<int64_t> target,
                                    bool allow_zero, const std::string& where) {
  int inferred = -1;
  int64_t known = 1;
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allow_zero) {
      if (i >= input_shape.size())
        fail_run(where, "shape " + list_string(target) + " copies dimension " + std::to_string(i) +
                            " that the rank-" + std::to_string(input_shape.size()) +
                            " input lacks");
      target[i] = input_shape[i];
    }
    if (target[i] == -1) {
      if (inferred >= 0) fail_run(where, "shape " + list_string(target) + " has more than one -1");
      inferred = static_cast<int>(i);
    } else if (target[i] < 0) {
      fail_run(where, "shape " + list_string(target) + " has a negative dimension other than -1");
    } else {
      known *= target[i];
    }
  }
  const int64_t count = c10::multiply_integers(input_shape);
  if (inferred >= 0) {
    if (known == 0 || count % known != 0)
      fail_run(where, "cannot infer the -1 in shape " + list_string(target) + " for " +
                          std::to_string(count) + " elements");
    target[static_cast<std::size_t>(inferred)] = count / known;
  } else if (known != count) {
    fail_run(where, "shape " + list_string(target) + " does not hold the input's " +
                        std::to_string(count) + " elements");
  }
  return target;
}

// Shape both operands broadcast to (numpy rules), as Expand needs.
std::vector<int64_t> broadcast_shape(at::IntArrayRef a, const std::vector<int64_t>& b,
                                     const std::string& where) {
  const std::size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      fail_run(where,
               "cannot broadcast input shape " + list_string(a.vec()) + " to " + list_string(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Slices one axis the way ONNX Slice defines it: negative positions count from the end, positions
// are clamped into range, and a negative step walks backwards.
at::Tensor slice_axis(const at::Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step) {
  const int64_t dim = x.size(axis);
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return x.slice(axis, start, std::max(start, end), step);
  }
  if (dim == 0) return x;
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  if (start <= end) return x.slice(axis, 0, 0);
  // ATen slices only forwards: take the same elements forwards, then reverse them.
  const int64_t stride = std::min<int64_t>(-step, dim);
  const int64_t count = (start - end - 1) / stride + 1;
  const int64_t last = start - (count - 1) * stride;
  return x.slice(axis, last, start + 1, stride).flip(axis);
}

// Index along an axis of size `dim` that output position `i` of a pad reads ("edge" or "reflect").
int64_t padded_source(int64_t i, int64_t dim, bool reflect) {
  if (!reflect || dim == 1) return std::clamp<int64_t>(i, 0, dim - 1);
  const int64_t period = 2 * (dim - 1);
  int64_t j = ((i % period) + period) % period;
  return j < dim ? j : period - j;
}

at::Tensor pad_tensor(const at::Tensor& x, const std::vector<int64_t>& before,
                      const std::vector<int64_t>& after, const std::string& mode,
                      const at::Scalar& value, const std::string& where) {
  const int64_t rank = x.dim();
  // Negative pads crop; do those first so the rest only grows.
  at::Tensor y = x;
  for (int64_t axis = 0; axis < rank; ++axis) {
    const int64_t crop_before = std::max<int64_t>(-before[axis], 0);
    const int64_t crop_after = std::max<int64_t>(-after[axis], 0);
    if (crop_before + crop_after == 0) continue;
    const int64_t kept = y.size(axis) - crop_before - crop_after;
    if (kept < 0)
      fail_run(where, "negative pads crop more than axis " + std::to_string(axis) + " holds");
    y = y.narrow(axis, crop_before, kept);
  }
  if (mode == "constant") {
    // constant_pad_nd takes (before, after) pairs starting from the last axis.
    std::vector<int64_t> pairs;
    for (int64_t axis = rank - 1; axis >= 0; --axis) {
      pairs.push_back(std::max<int64_t>(before[axis], 0));
      pairs.push_back(std::max<int64_t>(after[axis], 0));
    }
    return at::constant_pad_nd(y, pairs, value);
  }
  const bool reflect = mode == "reflect";
  for (int64_t axis = 0; axis < rank; ++axis) {
    const int64_t grow_before = std::max<int64_t>(before[axis], 0);
    const int64_t grow_after = std::max<int64_t>(after[axis], 0);
    if (grow_before + grow_after == 0) continue;
    const int64_t dim = y.size(axis);
    if (dim == 0) fail_run(where, "cannot " + mode + "-pad the empty axis " + std::to_string(axis));
    std::vector<int64_t> source(static_cast<std::size_t>(dim + grow_before + grow_after));
    for (std::size_t i = 0; i < source.size(); ++i)
      source[i] = padded_source(static_cast<int64_t>(i) - grow_before, dim, reflect);
    y = y.index_select(axis, at::tensor(source, at::kLong));
  }
  return y.contiguous();
}

at::Tensor int64_list_tensor(const std::vector<int64_t>& values) {
  return at::tensor(values, at::TensorOptions().dtype(at::kLong));
}

Kernel constant_kernel(at::Tensor value) {
  return [value](KernelContext&) -> Tensors { return {value}; };
}

void register_reshaping(OpRegistry& registry) {
  // Opset 1 carried the shape as an attribute; 5 moved it to an input; 14 added allowzero.
  registry.add("Reshape", 1, [](const KernelInit& init) -> Kernel {
    const bool allow_zero = init.node.attr_int("allowzero", 0) != 0;
    const IntListArg shape(init, "shape", 1);
    if (!shape.present()) fail(init, "no target shape; expected a 'shape' input");
    return [shape, allow_zero, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      return {x.reshape(reshape_target(x.sizes(), *shape.get(ctx), allow_zero, where))};
    };
  });

  // Negative axis from opset 11; axis may equal the rank (everything in the first dimension).
  registry.add("Flatten", 1, [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", 1);
    return [axis_attr, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t rank = x.dim();
      const int64_t axis = axis_attr < 0 ? axis_attr + rank : axis_attr;
      if (axis < 0 || axis > rank)
        fail_run(where, "axis " + std::to_string(axis_attr) + " out of range for rank " +
                            std::to_string(rank));
      const int64_t outer = c10::multiply_integers(x.sizes().slice(0, axis));
      const int64_t inner = c10::multiply_integers(x.sizes().slice(axis));
      return {x.reshape({outer, inner})};
    };
  });

  registry.add("Transpose", 1, [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> perm_attr = init.node.attr_ints("perm");
    return [perm_attr, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      std::vector<int64_t> perm = perm_attr;
      if (perm.empty()) {  // default: reverse the dimensions
        perm.resize(static_cast<std::size_t>(x.dim()));
        std::iota(perm.rbegin(), perm.rend(), 0);
      }
      if (static_cast<int64_t>(perm.size()) != x.dim())
        fail_run(where,
                 "perm " + list_string(perm) + " does not match rank " + std::to_string(x.dim()));
      return {x.permute(perm).contiguous()};
    };
  });

  // axes: attribute before opset 13, input from 13; absent means every size-1 dimension.
  registry.add("Squeeze", 1, [](const KernelInit& init) -> Kernel {
    const IntListArg axes_arg(init, "axes", 1);
    return [axes_arg, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t rank = x.dim();
      std::vector<bool> drop(static_cast<std::size_t>(rank), false);
      if (const auto axes = axes_arg.get(ctx)) {
        for (int64_t axis : *axes) {
          const int64_t a = normalize_axis(axis, rank, where);
          if (x.size(a) != 1)
            fail_run(where, "cannot squeeze axis " + std::to_string(axis) + " of size " +
                                std::to_string(x.size(a)) + "; expected size 1");
          drop[static_cast<std::size_t>(a)] = true;
        }
      } else {
        for (int64_t a = 0; a < rank; ++a) drop[static_cast<std::size_t>(a)] = x.size(a) == 1;
      }
      std::vector<int64_t> shape;
      for (int64_t a = 0; a < rank; ++a)
        if (!drop[static_cast<std::size_t>(a)]) shape.push_back(x.size(a));
      return {x.reshape(shape)};
    };
  });

  // axes: attribute before opset 13, input from 13; they index the output's dimensions.
  registry.add("Unsqueeze", 1, [](const KernelInit& init) -> Kernel {
    const IntListArg axes_arg(init, "axes", 1);
    if (!axes_arg.present()) fail(init, "no axes; expected an 'axes' attribute or input");
    return [axes_arg, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const std::vector<int64_t> axes = *axes_arg.get(ctx);
      const int64_t out_rank = x.dim() + static_cast<int64_t>(axes.size());
      std::vector<bool> inserted(static_cast<std::size_t>(out_rank), false);
      for (int64_t axis : axes) {
        const auto a = static_cast<std::size_t>(normalize_axis(axis, out_rank, where));
        if (inserted[a]) fail_run(where, "axes " + list_string(axes) + " repeat an axis");
        inserted[a] = true;
      }
      std::vector<int64_t> shape;
      int64_t next = 0;
      for (int64_t a = 0; a < out_rank; ++a)
        shape.push_back(inserted[static_cast<std::size_t>(a)] ? 1 : x.size(next++));
      return {x.reshape(shape)};
    };
  });

  // DCR (default) reads the depth as (block row, block column, channel); CRD (opset 11) as
  // (channel, block row, block column).
  registry.add("DepthToSpace", 1, [](const KernelInit& init) -> Kernel {
    const int64_t block = init.node.attr_int("blocksize", 0);
    const std::string mode = init.node.attr_string("mode", "DCR");
    if (block <= 0) fail(init, "blocksize must be positive");
    if (mode != "DCR" && mode != "CRD") fail(init, "mode '" + mode + "'; expected DCR or CRD");
    return [block, crd = mode == "CRD", where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() != 4 || x.size(1) % (block * block) != 0)
        fail_run(where, "expected an NCHW input whose channels divide by blocksize^2");
      const int64_t n = x.size(0), c = x.size(1) / (block * block), h = x.size(2), w = x.size(3);
      const at::Tensor blocks =
          crd ? x.reshape({n, c, block, block, h, w}).permute({0, 1, 4, 2, 5, 3})
              : x.reshape({n, block, block, c, h, w}).permute({0, 3, 4, 1, 5, 2});
      return {blocks.reshape({n, c, h * block, w * block})};
    };
  });

  registry.add("SpaceToDepth", 1, [](const KernelInit& init) -> Kernel {
    const int64_t block = init.node.attr_int("blocksize", 0);
    if (block <= 0) fail(init, "blocksize must be positive");
    return [block, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() != 4 || x.size(2) % block != 0 || x.size(3) % block != 0)
        fail_run(where, "expected an NCHW input whose height and width divide by blocksize");
      const int64_t n = x.size(0), c = x.size(1), h = x.size(2) / block, w = x.size(3) / block;
      return {x.reshape({n, c, h, block, w, block})
                  .permute({0, 3, 5, 1, 2, 4})
                  .reshape({n, c * block * block, h, w})};
    };
  });

  // Reverses the first sequence_lens[b] steps of every batch entry b along the time axis; the
  // steps past that length stay where they are. time_axis and batch_axis are 0 and 1 either way.
  registry.add("ReverseSequence", 10, [](const KernelInit& init) -> Kernel {
    const int64_t time_axis = init.node.attr_int("time_axis", 0);
    const int64_t batch_axis = init.node.attr_int("batch_axis", 1);
    if (!((time_axis == 0 && batch_axis == 1) || (time_axis == 1 && batch_axis == 0)))
      fail(init, "time_axis " + std::to_string(time_axis) + " and batch_axis " +
                     std::to_string(batch_axis) + "; expected one of them 0 and the other 1");
    return [time_axis, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() < 2) fail_run(where, "expected an input of rank >= 2");
      // Viewed as (batch, time, ...).
      const at::Tensor batch_major = time_axis == 0 ? x.transpose(0, 1) : x;
      const int64_t batches = batch_major.size(0), steps = batch_major.size(1);
      const at::Tensor lengths = ctx.inputs.at(1).to(at::kLong).reshape(-1);
      if (lengths.numel() != batches)
        fail_run(where, "sequence_lens has " + std::to_string(lengths.numel()) +
                            " entries; expected one per batch entry (" + std::to_string(batches) +
                            ")");
      if (batches > 0 &&
          (lengths.min().item<int64_t>() < 0 || lengths.max().item<int64_t>() > steps))
        fail_run(where, "sequence_lens has an entry outside [0, " + std::to_string(steps) + "]");
      // source[b][t]: the step that lands at t, len - 1 - t inside the sequence, t past it.
      const at::Tensor t = at::arange(steps, at::kLong).unsqueeze(0);
      const at::Tensor len = lengths.unsqueeze(1);
      at::Tensor source = at::where(t < len, len - 1 - t, t);
      std::vector<int64_t> index_shape{batches, steps};
      index_shape.resize(static_cast<std::size_t>(x.dim()), 1);
      source = source.reshape(index_shape).expand(batch_major.sizes());
      const at::Tensor reversed = batch_major.gather(1, source);
      return {(time_axis == 0 ? reversed.transpose(0, 1) : reversed).contiguous()};
    };
  });
}

void register_joining(OpRegistry& registry) {
  // Opset 1 had axis optional with default 1; from 4 it is required.
  registry.add("Concat", 1, [](const KernelInit& init) -> Kernel {
    const int64_t axis = init.node.attr_int("axis", init.opset < 4 ? 1 : INT64_MIN);
    if (axis == INT64_MIN) fail(init, "missing the required 'axis' attribute");
    return [axis, where = init.where()](KernelContext& ctx) -> Tensors {
      if (ctx.inputs.empty()) fail_run(where, "no inputs to concatenate");
      return {at::cat(ctx.inputs, normalize_axis(axis, ctx.inputs.at(0).dim(), where))};
    };
  });

  // split: attribute (or input in opset 1) before 13, input from 13; absent means equal parts
  // (the last part smaller when uneven, as opset 18 allows).
  registry.add("Split", 1, [](const KernelInit& init) -> Kernel {
    const int64_t axis_attr = init.node.attr_int("axis", 0);
    const IntListArg split_arg(init, "split", 1);
    const auto parts = static_cast<int64_t>(init.node.outputs.size());
    return [axis_attr, split_arg, parts, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t axis = normalize_axis(axis_attr, x.dim(), where);
      const int64_t dim = x.size(axis);
      std::vector<int64_t> sizes;
      if (const auto split = split_arg.get(ctx)) {
        sizes = *split;
      } else {
        const int64_t chunk = (dim + parts - 1) / parts;
        for (int64_t i = 0; i < parts; ++i) sizes.push_back(std::min(chunk, dim - i * chunk));
      }
      const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
      const bool negative =
          std::any_of(sizes.begin(), sizes.end(), [](int64_t s) { return s < 0; });
      if (static_cast<int64_t>(sizes.size()) != parts || total != dim || negative)
        fail_run(where, "cannot split axis of size " + std::to_string(dim) + " into " +
                            std::to_string(parts) + " outputs of sizes " + list_string(sizes));
      Tensors outputs;
      for (const at::Tensor& part : x.split_with_sizes(sizes, axis))
        outputs.push_back(part.contiguous());
      return outputs;
    };
  });

  // starts/ends/axes: attributes before opset 10; from 10 inputs, plus steps.
  registry.add("Slice", 1, [](const KernelInit& init) -> Kernel {
    const IntListArg starts_arg(init, "starts", 1), ends_arg(init, "ends", 2),
        axes_arg(init, "axes", 3), steps_arg(init, "steps", 4);
    if (!starts_arg.present() || !ends_arg.present()) fail(init, "expected starts and ends");
    return [=, where = init.where()](KernelContext& ctx) -> Tensors {
      at::Tensor y = ctx.inputs.at(0);
      const std::vector<int64_t> starts = *starts_arg.get(ctx), ends = *ends_arg.get(ctx);
      std::vector<int64_t> axes(starts.size()), steps(starts.size(), 1);
      std::iota(axes.begin(), axes.end(), 0);
      if (const auto given = axes_arg.get(ctx)) axes = *given;
      if (const auto given = steps_arg.get(ctx)) steps = *given;
      if (ends.size() != starts.size() || axes.size() != starts.size() ||
          steps.size() != starts.size())
        fail_run(where, "starts, ends, axes and steps differ in length");
      for (std::size_t i = 0; i < starts.size(); ++i) {
        if (steps[i] == 0) fail_run(where, "step 0; expected a non-zero step");
        const int64_t axis = normalize_axis(axes[i], y.dim(), where);
        y = slice_axis(y, axis, starts[i], ends[i], steps[i]);
      }
      return {y.contiguous()};
    };
  });

  registry.add("Expand", 8, [](const KernelInit& init) -> Kernel {
    const IntListArg shape_arg(init, "shape", 1);
    return [shape_arg, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      return {x.expand(broadcast_shape(x.sizes(), *shape_arg.get(ctx), where)).contiguous()};
    };
  });

  // Opset 1's Tile (tiles and axis inputs) is a different op; this is opset 6's.
  registry.add("Tile", 6, [](const KernelInit& init) -> Kernel {
    const IntListArg repeats_arg(init, "repeats", 1);
    return [repeats_arg, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const std::vector<int64_t> repeats = *repeats_arg.get(ctx);
      if (static_cast<int64_t>(repeats.size()) != x.dim())
        fail_run(where, "repeats " + list_string(repeats) + " do not match rank " +
                            std::to_string(x.dim()));
      return {x.repeat(repeats)};
    };
  });

  // pads: attribute ('paddings' in opset 1, 'pads' to 10) with a 'value' attribute; from 11 the
  // pads and constant_value are inputs; opset 18 adds an axes input.
  registry.add("Pad", 1, [](const KernelInit& init) -> Kernel {
    const std::string mode = init.node.attr_string("mode", "constant");
    if (mode != "constant" && mode != "reflect" && mode != "edge")
      fail(init, "mode '" + mode + "'; expected constant, reflect or edge");
    const IntListArg pads_arg(init, init.opset < 2 ? "paddings" : "pads", 1);
    const IntListArg axes_arg(init, "axes", 3);
    if (!pads_arg.present()) fail(init, "no pads; expected a 'pads' attribute or input");
    const double value_attr = init.node.attr_float("value", 0.0);
    return [=, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t rank = x.dim();
      const std::vector<int64_t> pads = *pads_arg.get(ctx);
      std::vector<int64_t> axes(static_cast<std::size_t>(rank));
      std::iota(axes.begin(), axes.end(), 0);
      if (const auto given = axes_arg.get(ctx)) axes = *given;
      if (pads.size() != 2 * axes.size())
        fail_run(where, "pads " + list_string(pads) + " do not hold two values per axis for " +
                            std::to_string(axes.size()) + " axes");
      std::vector<int64_t> before(static_cast<std::size_t>(rank), 0), after = before;
      for (std::size_t i = 0; i < axes.size(); ++i) {
        const auto axis = static_cast<std::size_t>(normalize_axis(axes[i], rank, where));
        before[axis] = pads[i];
        after[axis] = pads[i + axes.size()];
      }
      at::Scalar value = value_attr;
      if (ctx.has(2) && ctx.inputs[2].numel() > 0) value = ctx.inputs[2].item();
      return {pad_tensor(x, before, after, mode, value, where)};
    };
  });
}

void register_shape_queries(OpRegistry& registry) {
  // start/end from opset 15, both clamped into [0, rank].
  registry.add("Shape", 1, [](const KernelInit& init) -> Kernel {
    const int64_t start_attr = init.node.attr_int("start", 0);
    const Attribute* end_attr = init.node.find_attribute("end");
    const std::optional<int64_t> end_given =
        end_attr ? std::optional<int64_t>(end_attr->i) : std::nullopt;
    return [start_attr, end_given](KernelContext& ctx) -> Tensors {
      const std::vector<int64_t> shape = ctx.inputs.at(0).sizes().vec();
      const auto rank = static_cast<int64_t>(shape.size());
      const auto clamp_position = [rank](int64_t p) {
        return std::clamp<int64_t>(p < 0 ? p + rank : p, 0, rank);
      };
      const int64_t start = clamp_position(start_attr);
      const int64_t end = std::max(start, clamp_position(end_given.value_or(rank)));
      return {int64_list_tensor(std::vector<int64_t>(shape.begin() + start, shape.begin() + end))};
    };
  });

  registry.add("Size", 1, [](const KernelInit&) -> Kernel {
    return [](KernelContext& ctx) -> Tensors {
      return {at::scalar_tensor(ctx.inputs.at(0).numel(), at::TensorOptions().dtype(at::kLong))};
    };
  });
}

void register_constants(OpRegistry& registry) {
  // The output's dtype is value's; without value it is float32 zeros.
  registry.add("ConstantOfShape", 9, [](const KernelInit& init) -> Kernel {
    at::Tensor fill = at::zeros({}, at::TensorOptions().dtype(at::kFloat));
    if (const Attribute* value = init.node.find_attribute("value")) {
      fill = to_aten(value->t, init.where());
      if (fill.numel() != 1) fail(init, "value must hold exactly one element");
    }
    const IntListArg shape_arg(init, "shape", 0);
    return [fill, shape_arg](KernelContext& ctx) -> Tensors {
      return {at::full(*shape_arg.get(ctx), fill.item(), fill.options())};
    };
  });

  // value (all opsets), sparse_value (11, unsupported), value_float(s)/value_int(s)/value_string(s)
  // (12, strings unsupported). The tensor is built once and shared by every run.
  registry.add("Constant", 1, [](const KernelInit& init) -> Kernel {
    const Node& node = init.node;
    if (const Attribute* a = node.find_attribute("value"))
      return constant_kernel(to_aten(a->t, init.where()));
    if (const Attribute* a = node.find_attribute("value_float"))
      return constant_kernel(at::scalar_tensor(a->f, at::TensorOptions().dtype(at::kFloat)));
    if (const Attribute* a = node.find_attribute("value_floats"))
      return constant_kernel(
          at::tensor(a->floats, at::TensorOptions().dtype(at::kDouble)).to(at::kFloat));
    if (const Attribute* a = node.find_attribute("value_int"))
      return constant_kernel(at::scalar_tensor(a->i, at::TensorOptions().dtype(at::kLong)));
    if (const Attribute* a = node.find_attribute("value_ints"))
      return constant_kernel(int64_list_tensor(a->ints));
    fail(init,
         "no supported value attribute; expected value, value_float(s) or value_int(s) "
         "(string and sparse constants are not supported)");
  });

  // Outputs may share the input's tensor: kernels never write into their inputs.
  registry.add("Identity", 1, [](const KernelInit&) -> Kernel {
    return [](KernelContext& ctx) -> Tensors { return {ctx.inputs.at(0)}; };
  });

  // Computed as start + i * delta in double (integers in int64), then cast to the inputs' dtype.
  registry.add("Range", 11, [](const KernelInit& init) -> Kernel {
    return [where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& start_t = ctx.inputs.at(0);
      const at::ScalarType dtype = start_t.scalar_type();
      const double start = start_t.item<double>(), limit = ctx.inputs.at(1).item<double>(),
                   delta = ctx.inputs.at(2).item<double>();
      if (delta == 0) fail_run(where, "delta 0; expected a non-zero delta");
      const auto count = static_cast<int64_t>(std::max(std::ceil((limit - start) / delta), 0.0));
      if (at::isIntegralType(dtype, /*includeBool=*/false)) {
        const at::Tensor steps = at::arange(count, at::TensorOptions().dtype(at::kLong));
        return {(steps * ctx.inputs[2].item<int64_t>() + start_t.item<int64_t>()).to(dtype)};
      }
      const at::Tensor steps = at::arange(count, at::TensorOptions().dtype(at::kDouble));
      return {(steps * delta + start).to(dtype)};
    };
  });

  // Keeps the upper (or lower) triangle of the last two dimensions, shifted by the optional k.
  registry.add("Trilu", 14, [](const KernelInit& init) -> Kernel {
    const bool upper = init.node.attr_int("upper", 1) != 0;
    return [upper, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() < 2) fail_run(where, "expected an input of rank >= 2");
      const int64_t k = ctx.has(1) ? ctx.inputs[1].item<int64_t>() : 0;
      return {upper ? x.triu(k) : x.tril(k)};
    };
  });
}

}  // namespace

void register_shape_ops(OpRegistry& registry) {
  register_reshaping(registry);
  register_joining(registry);
  register_shape_queries(registry);
  register_constants(registry);
}

}  // namespace layerscope::runtime
