// Pooling: MaxPool (with ONNX's flattened Indices), AveragePool, LpPool, their Global forms and
// MaxUnpool, over 1-D, 2-D and 3-D inputs.
//
// ATen pools pad symmetrically and by at most half the kernel. Other pads (asymmetric, SAME_*,
// larger) are applied explicitly with at::constant_pad_nd, after which the pool runs unpadded.
#include "runtime/ops/padding.h"
#include "runtime/registry.h"

#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

namespace layerscope::runtime {

namespace {

// ATen 1.13's CPU pools cover float32/float64 only (bfloat16 in part): compute reduced floats in
// float32 and integers (MaxPool's int8/uint8) in float64, exactly, then cast back.
at::Tensor computable(const at::Tensor& x) {
  const auto type = x.scalar_type();
  if (type == at::kFloat || type == at::kDouble) return x;
  return x.to(at::isFloatingType(type) ? at::kFloat : at::kDouble);
}

std::string rank_error(const std::string& where, int64_t rank) {
  return where + ": " + std::to_string(rank) +
         " spatial axes are not supported; expected N x C x D1 [x D2 [x D3]]";
}

std::vector<int64_t> required_kernel_shape(const KernelInit& init, const WindowAttributes& attrs) {
  if (attrs.kernel_shape.empty()) fail(init, "kernel_shape is missing");
  if (attrs.kernel_shape.size() > 3)
    fail(init, "kernel_shape has " + std::to_string(attrs.kernel_shape.size()) +
                   " axes; pools support 1 to 3 spatial axes");
  return attrs.kernel_shape;
}

// How one pooling call maps onto ATen for a given input.
struct PoolPlan {
  Window window;
  std::vector<int64_t> input;
  std::vector<int64_t> output;
  // End pad that makes an unpadded floor-mode pool yield exactly `output` windows: beyond pads_end
  // in ceil mode, short of it (cropping) where the last pad is never reached.
  std::vector<int64_t> reach_end;
  // ATen can apply the pads itself: symmetric and at most half the kernel.
  bool aten_pads = true;
};

PoolPlan plan_pool(const WindowAttributes& attrs, const at::Tensor& x, bool ceil_mode,
                   const std::string& where) {
  PoolPlan plan;
  if (x.dim() < 3 || x.dim() > 5) throw Error(rank_error(where, std::max<int64_t>(0, x.dim() - 2)));
  plan.input = spatial_sizes(x);
  plan.window = resolve_window(attrs, plan.input, attrs.kernel_shape, where);
  const Window& w = plan.window;
  plan.aten_pads = w.symmetric();
  for (std::size_t i = 0; i < w.rank(); ++i) {
    const int64_t out = pooled_length(plan.input[i], w.pads_begin[i], w.pads_end[i], w.extent(i),
                                      w.strides[i], ceil_mode);
    if (out < 1)
      throw Error(where + ": input " + c10::str(x.sizes()) +
                  " is smaller than the pooling window along spatial axis " + std::to_string(i));
    plan.output.push_back(out);
    plan.reach_end.push_back((out - 1) * w.strides[i] + w.extent(i) - plan.input[i] -
                             w.pads_begin[i]);
    plan.aten_pads = plan.aten_pads && w.pads_begin[i] <= w.kernel[i] / 2;
  }
  return plan;
}

// Sum over each window (no padding, floor mode): avg_pool with a divisor of one. ATen has no
// divisor_override in 1-D, so 1-D runs as 2-D with a unit axis.
at::Tensor sum_pool(const at::Tensor& x, const Window& w) {
  const std::vector<int64_t> zeros(w.rank(), 0);
  switch (w.rank()) {
    case 1:
      return at::avg_pool2d(x.unsqueeze(-2), {1, w.kernel[0]}, {1, w.strides[0]}, {0, 0}, false,
                            true, 1)
          .squeeze(-2);
    case 2:
      return at::avg_pool2d(x, w.kernel, w.strides, zeros, false, true, 1);
    default:
      return at::avg_pool3d(x, w.kernel, w.strides, zeros, false, true, 1);
  }
}

std::tuple<at::Tensor, at::Tensor> aten_max_pool_with_indices(const at::Tensor& x, const Window& w,
                                                              at::IntArrayRef pads,
                                                              bool ceil_mode) {
  switch (w.rank()) {
    case 1:
      return at::max_pool1d_with_indices(x, w.kernel, w.strides, pads, w.dilations, ceil_mode);
    case 2:
      return at::max_pool2d_with_indices(x, w.kernel, w.strides, pads, w.dilations, ceil_mode);
    default:
      return at::max_pool3d_with_indices(x, w.kernel, w.strides, pads, w.dilations, ceil_mode);
  }
}

// MaxPool without indices, one spatial axis at a time: along each, the elementwise maximum of the
// kernel's strided slices (max is associative, and at::maximum lets NaN win as ATen's pools do).
// ATen 1.13's max_pool2d computes indices it then drops, with a scalar loop per output on
// N x C x H x W tensors: 5-8x slower than this on resnet50's 3x3 stem pool. `x` is padded with -inf
// so that it holds exactly the windows wanted (PoolPlan::reach_end).
at::Tensor separable_max_pool(const at::Tensor& x, const PoolPlan& plan) {
  const Window& w = plan.window;
  bool unpadded = true;
  for (std::size_t i = 0; i < w.rank(); ++i)
    unpadded = unpadded && w.pads_begin[i] == 0 && plan.reach_end[i] == 0;
  at::Tensor y = unpadded ? x
                          : at::constant_pad_nd(x, constant_pad_spec(w.pads_begin, plan.reach_end),
                                                -std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < w.rank(); ++i) {
    const int64_t axis = 2 + static_cast<int64_t>(i);
    const int64_t span = (plan.output[i] - 1) * w.strides[i] + 1;
    const auto slice = [&](int64_t j) {
      return y.slice(axis, j * w.dilations[i], j * w.dilations[i] + span, w.strides[i]);
    };
    at::Tensor reduced = w.kernel[i] == 1 ? slice(0).clone() : at::maximum(slice(0), slice(1));
    for (int64_t j = 2; j < w.kernel[i]; ++j) at::maximum_out(reduced, reduced, slice(j));
    y = reduced;
  }
  return y;
}

// ATen's indices count within one (n, c) plane of the tensor it pooled (`pooled`, row-major);
// ONNX's count over the whole original input, N and C included, with the spatial part row-major
// (storage_order 0) or column-major (1).
at::Tensor onnx_indices(const at::Tensor& aten_indices, const std::vector<int64_t>& pooled,
                        const std::vector<int64_t>& offset, const std::vector<int64_t>& input,
                        bool column_major) {
  const std::size_t rank = input.size();
  int64_t plane_size = 1;
  for (const int64_t s : input) plane_size *= s;
  at::Tensor spatial = aten_indices;
  bool same_layout = !column_major && pooled == input;
  for (const int64_t o : offset) same_layout = same_layout && o == 0;
  if (!same_layout) {
    std::vector<at::Tensor> coordinates(rank);
    at::Tensor remaining = aten_indices;
    for (std::size_t i = rank; i-- > 0;) {
      coordinates[i] = remaining.remainder(pooled[i]) - offset[i];
      remaining = remaining.div(pooled[i], "floor");
    }
    spatial = at::zeros_like(aten_indices);
    for (std::size_t step = 0; step < rank; ++step) {
      const std::size_t i = column_major ? rank - 1 - step : step;
      spatial = spatial * input[i] + coordinates[i];
    }
  }
  std::vector<int64_t> plane_shape(aten_indices.dim(), 1);
  plane_shape[0] = aten_indices.size(0);
  plane_shape[1] = aten_indices.size(1);
  const at::Tensor plane_start =
      at::arange(aten_indices.size(0) * aten_indices.size(1), aten_indices.options())
          .reshape(plane_shape) *
      plane_size;
  return spatial + plane_start;
}

KernelFactory max_pool() {
  return [](const KernelInit& init) -> Kernel {
    const WindowAttributes attrs = read_window_attributes(init);
    required_kernel_shape(init, attrs);
    const bool ceil_mode = init.node.attr_int("ceil_mode", 0) != 0;
    const int64_t storage_order = init.node.attr_int("storage_order", 0);
    if (storage_order != 0 && storage_order != 1)
      fail(init, "storage_order " + std::to_string(storage_order) + " must be 0 or 1");
    const bool want_indices = init.node.outputs.size() > 1 && init.node.outputs[1] >= 0;
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor x = computable(x_in);
      const PoolPlan plan = plan_pool(attrs, x, ceil_mode, where);
      if (!want_indices) return {separable_max_pool(x, plan).to(x_in.scalar_type())};
      const Window& w = plan.window;
      at::Tensor pooled_input = x;
      std::vector<int64_t> aten_pads = w.pads_begin;
      bool aten_ceil = ceil_mode;
      if (!plan.aten_pads) {
        // Pad with -inf so the padding never wins, and reach exactly the windows ONNX wants.
        pooled_input = at::constant_pad_nd(x, constant_pad_spec(w.pads_begin, plan.reach_end),
                                           -std::numeric_limits<double>::infinity());
        aten_pads.assign(w.rank(), 0);
        aten_ceil = false;
      }
      at::Tensor values, indices;
      std::tie(values, indices) = aten_max_pool_with_indices(pooled_input, w, aten_pads, aten_ceil);
      const std::vector<int64_t> offset =
          plan.aten_pads ? std::vector<int64_t>(w.rank(), 0) : w.pads_begin;
      return {values.to(x_in.scalar_type()), onnx_indices(indices, spatial_sizes(pooled_input),
                                                          offset, plan.input, storage_order == 1)};
    };
  };
}

// Divides window sums by how many elements each window counts: the input's, plus the declared
// pads when count_include_pad, never the ceil-mode overhang.
at::Tensor average_of_sums(const at::Tensor& x, const PoolPlan& plan, bool count_include_pad) {
  const Window& w = plan.window;
  const at::Tensor sums =
      sum_pool(at::constant_pad_nd(x, constant_pad_spec(w.pads_begin, plan.reach_end), 0), w);
  std::vector<int64_t> mask_shape{1, 1};
  mask_shape.insert(mask_shape.end(), plan.input.begin(), plan.input.end());
  at::Tensor mask = at::ones(mask_shape, x.options());
  mask = at::constant_pad_nd(mask, constant_pad_spec(w.pads_begin, w.pads_end),
                             count_include_pad ? 1 : 0);
  std::vector<int64_t> overhang(w.rank());
  for (std::size_t i = 0; i < w.rank(); ++i) overhang[i] = plan.reach_end[i] - w.pads_end[i];
  mask =
      at::constant_pad_nd(mask, constant_pad_spec(std::vector<int64_t>(w.rank(), 0), overhang), 0);
  return sums / sum_pool(mask, w);
}

void require_unit_dilations(const KernelInit& init, const WindowAttributes& attrs) {
  for (const int64_t d : attrs.dilations)
    if (d != 1) fail(init, "dilations other than 1 are not supported for this pool");
}

KernelFactory average_pool() {
  return [](const KernelInit& init) -> Kernel {
    const WindowAttributes attrs = read_window_attributes(init);
    required_kernel_shape(init, attrs);
    require_unit_dilations(init, attrs);
    const bool ceil_mode = init.node.attr_int("ceil_mode", 0) != 0;
    const bool count_include_pad = init.node.attr_int("count_include_pad", 0) != 0;
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor x = computable(x_in);
      const PoolPlan plan = plan_pool(attrs, x, ceil_mode, where);
      const Window& w = plan.window;
      at::Tensor y;
      if (!plan.aten_pads) {
        y = average_of_sums(x, plan, count_include_pad);
      } else if (w.rank() == 1) {
        y = at::avg_pool1d(x, w.kernel, w.strides, w.pads_begin, ceil_mode, count_include_pad);
      } else if (w.rank() == 2) {
        y = at::avg_pool2d(x, w.kernel, w.strides, w.pads_begin, ceil_mode, count_include_pad);
      } else {
        y = at::avg_pool3d(x, w.kernel, w.strides, w.pads_begin, ceil_mode, count_include_pad);
      }
      return {y.to(x_in.scalar_type())};
    };
  };
}

// LpPool's and GlobalLpPool's p: a float in opset 1, an int from opset 2.
double read_p(const KernelInit& init) {
  const Attribute* attr = init.node.find_attribute("p");
  double p = 2.0;
  if (attr != nullptr) p = attr->kind == Attribute::Kind::Float ? attr->f : double(attr->i);
  if (!(p > 0)) fail(init, "p " + std::to_string(p) + " must be positive");
  return p;
}

// (sum over the window of |x|^p)^(1/p), zero padding.
KernelFactory lp_pool() {
  return [](const KernelInit& init) -> Kernel {
    const WindowAttributes attrs = read_window_attributes(init);
    required_kernel_shape(init, attrs);
    require_unit_dilations(init, attrs);
    const bool ceil_mode = init.node.attr_int("ceil_mode", 0) != 0;
    const double p = read_p(init);
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::Tensor x = computable(x_in);
      const PoolPlan plan = plan_pool(attrs, x, ceil_mode, where);
      const Window& w = plan.window;
      const at::Tensor powered =
          at::constant_pad_nd(x.abs().pow(p), constant_pad_spec(w.pads_begin, plan.reach_end), 0);
      return {sum_pool(powered, w).pow(1.0 / p).to(x_in.scalar_type())};
    };
  };
}

std::vector<int64_t> spatial_axes(const at::Tensor& x) {
  std::vector<int64_t> axes;
  for (int64_t i = 2; i < x.dim(); ++i) axes.push_back(i);
  return axes;
}

// Global pools reduce every spatial axis, keeping them as size 1. An N x C input has none: the
// result is the input (ATen would reduce all axes for an empty axis list).
template <typename Reduce>
KernelFactory global_pool(Reduce reduce) {
  return [reduce](const KernelInit&) -> Kernel {
    return [reduce](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() <= 2) return {x.clone()};
      return {reduce(x, spatial_axes(x))};
    };
  };
}

KernelFactory global_lp_pool() {
  return [](const KernelInit& init) -> Kernel {
    const double p = read_p(init);
    return [p](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      if (x_in.dim() <= 2) return {x_in.abs()};
      const at::Tensor x = computable(x_in);
      return {x.abs().pow(p).sum(spatial_axes(x), true).pow(1.0 / p).to(x_in.scalar_type())};
    };
  };
}

// Scatters X into zeros at MaxPool's flattened indices, laid out in the shape the pool's
// attributes imply: (in - 1) * stride + kernel - pads. An output_shape input (third) then extends
// (or crops) each axis at its end, as ONNX's reference does, so indices keep their coordinates.
KernelFactory max_unpool() {
  return [](const KernelInit& init) -> Kernel {
    WindowAttributes attrs = read_window_attributes(init);
    required_kernel_shape(init, attrs);
    attrs.auto_pad = AutoPad::NotSet;  // MaxUnpool has explicit pads only
    const std::string where = init.where();
    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const at::Tensor& indices = ctx.inputs.at(1);
      if (x.dim() < 3) throw Error(rank_error(where, std::max<int64_t>(0, x.dim() - 2)));
      if (indices.sizes() != x.sizes())
        throw Error(where + ": indices " + c10::str(indices.sizes()) + " and X " +
                    c10::str(x.sizes()) + " differ in shape");
      const Window w = resolve_window(attrs, spatial_sizes(x), attrs.kernel_shape, where);
      std::vector<int64_t> inferred{x.size(0), x.size(1)};
      for (std::size_t i = 0; i < w.rank(); ++i)
        inferred.push_back((x.size(2 + i) - 1) * w.strides[i] + w.kernel[i] - w.pads_begin[i] -
                           w.pads_end[i]);
      int64_t count = 1;
      for (const int64_t s : inferred) count *= s;
      at::Tensor flat = at::zeros({count}, x.options());
      flat.index_put_({indices.reshape(-1).to(at::kLong)}, x.reshape(-1));
      at::Tensor y = flat.reshape(inferred);
      if (!ctx.has(2)) return {y};

      const std::vector<int64_t> shape = to_int64_vector(ctx.inputs[2]);
      if (shape.size() != inferred.size())
        throw Error(where + ": output_shape has " + std::to_string(shape.size()) +
                    " entries; expected " + std::to_string(inferred.size()));
      std::vector<int64_t> growth(shape.size());
      for (std::size_t i = 0; i < shape.size(); ++i) growth[i] = shape[i] - inferred[i];
      return {at::constant_pad_nd(
          y, constant_pad_spec(std::vector<int64_t>(shape.size(), 0), growth), 0)};
    };
  };
}

}  // namespace

void register_pool_ops(OpRegistry& registry) {
  registry.add("MaxPool", 1, max_pool());
  registry.add("AveragePool", 1, average_pool());
  registry.add("LpPool", 1, lp_pool());
  registry.add("GlobalAveragePool", 1, global_pool([](const at::Tensor& x, at::IntArrayRef axes) {
                 return x.mean(axes, true);
               }));
  registry.add("GlobalMaxPool", 1, global_pool([](const at::Tensor& x, at::IntArrayRef axes) {
                 return x.amax(axes, true);
               }));
  registry.add("GlobalLpPool", 1, global_lp_pool());
  registry.add("MaxUnpool", 9, max_unpool());
}

}  // namespace layerscope::runtime
