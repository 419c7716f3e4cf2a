// Kernels of TensorFlow's convolutions: Conv2D and Conv3D (grouped when the input has a multiple
// of the filter's channels), DepthwiseConv2dNative, and the transposed convolutions
// Conv2DBackpropInput and Conv3DBackpropInputV2 (what Keras's Conv2DTranspose exports). Images in
// NHWC run as ATen's channels_last views (tf_window.h), never copied to another layout. Filters
// (spatial..., in, out) become ATen's (out, in, spatial...) once at load when they are constants.
#include "runtime/ops/tensorflow/image_format.h"
#include "runtime/ops/tensorflow/int_inputs.h"
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"
#include "runtime/ops/tf_window.h"
#include "runtime/registry.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::add_op;
using tf::ImageFormat;

// The type a convolution computes in: float32 and float64 as they are, float16/bfloat16 in
// float32, integers (Conv2D's int32) in float64, exact for any sum TF's int32 holds.
at::ScalarType compute_type(at::ScalarType type) {
  if (type == at::kFloat || type == at::kDouble) return type;
  return at::isFloatingType(type) ? at::kFloat : at::kDouble;
}

// The filter as ATen's weight: made once at load from a constant, else at every run (a filter
// read through an Identity or a variable).
class Filter {
 public:
  using ToAten = std::function<at::Tensor(const at::Tensor&)>;

  Filter(const KernelInit& init, std::size_t input, std::size_t spatial_rank, ToAten to_aten)
      : input_(input), rank_(static_cast<int64_t>(spatial_rank) + 2), to_aten_(std::move(to_aten)) {
    const at::Tensor constant = init.constant_input(input);
    if (!constant.defined()) return;
    if (constant.dim() != rank_)
      fail(init, "filter has shape " + c10::str(constant.sizes()) + "; expected rank " +
                     std::to_string(rank_) + " (spatial..., in_channels, out_channels)");
    tf_shape_ = constant.sizes().vec();
    weight_ = to_aten_(constant.to(compute_type(constant.scalar_type())));
  }

  // The filter's own shape (spatial..., in, out) and the weight for this run, in `type`.
  std::pair<std::vector<int64_t>, at::Tensor> get(const KernelContext& ctx,
                                                  at::ScalarType type) const {
    if (weight_.defined()) return {tf_shape_, weight_.to(type)};
    const at::Tensor& filter = ctx.inputs.at(input_);
    if (filter.dim() != rank_)
      throw Error("filter has shape " + c10::str(filter.sizes()) + "; expected rank " +
                  std::to_string(rank_) + " (spatial..., in_channels, out_channels)");
    return {filter.sizes().vec(), to_aten_(filter.to(type))};
  }

 private:
  std::size_t input_;
  int64_t rank_;
  ToAten to_aten_;
  std::vector<int64_t> tf_shape_;
  at::Tensor weight_;
};

// strides, dilations and padding of a forward window, read once.
struct ConvWindow {
  ImageFormat format;
  std::vector<int64_t> strides, dilations;
  tf::Padding padding;

  ConvWindow(const KernelInit& init, std::size_t spatial_rank, bool allow_explicit)
      : format(tf::read_format(init, spatial_rank)),
        strides(tf::spatial_list(init, "strides", format, 1)),
        dilations(tf::spatial_list(init, "dilations", format, 1)),
        padding(init, format, allow_explicit) {}
};

std::vector<int64_t> kernel_of(const std::vector<int64_t>& filter_shape, std::size_t rank) {
  return std::vector<int64_t>(filter_shape.begin(), filter_shape.begin() + rank);
}

std::string channels_problem(int64_t channels, int64_t filter_in, bool depthwise) {
  if (depthwise)
    return channels == filter_in
               ? ""
               : "input has " + std::to_string(channels) + " channels; the depthwise filter has " +
                     std::to_string(filter_in);
  if (filter_in > 0 && channels % filter_in == 0) return "";
  return "input has " + std::to_string(channels) + " channels; the filter takes " +
         std::to_string(filter_in) + " (or, grouped, a multiple of it)";
}

// Conv2D, Conv3D (inputs input, filter (spatial..., in / groups, out)) and DepthwiseConv2dNative
// (filter (spatial..., C, multiplier)).
KernelFactory forward_conv(std::size_t spatial_rank, bool depthwise) {
  return [spatial_rank, depthwise](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2, "input, filter");
    const ConvWindow w(init, spatial_rank, spatial_rank == 2);
    const Filter filter(init, 1, spatial_rank,
                        depthwise ? depthwise_filter_to_aten : filter_to_aten);
    return [w, filter, spatial_rank, depthwise](KernelContext& ctx) -> Tensors {
      const at::Tensor& input = ctx.inputs[0];
      w.format.check_rank(input, "input");
      const at::ScalarType type = compute_type(input.scalar_type());
      const auto [shape, weight] = filter.get(ctx, type);
      const at::Tensor x = w.format.aten_view(input.to(type));
      const int64_t channels = x.size(1), filter_in = shape[spatial_rank];
      const std::string problem = channels_problem(channels, filter_in, depthwise);
      if (!problem.empty()) throw Error(problem);
      const int64_t groups = depthwise ? channels : channels / filter_in;
      const std::vector<int64_t> kernel = kernel_of(shape, spatial_rank);
      const WindowPads pads = w.padding.resolve(spatial_of(x), kernel, w.strides, w.dilations);
      const at::Tensor y = convolve_padded(x, weight, {}, w.strides, pads, w.dilations, groups);
      return {w.format.from_aten(y).to(input.scalar_type())};
    };
  };
}

// What the input_sizes input says of the forward convolution's input: its spatial sizes and, when
// it gives the whole shape in the format's order, its channels (-1 when only the spatial sizes are
// given, as TF 2 allows).
struct ForwardInput {
  std::vector<int64_t> spatial;
  int64_t channels = -1;
};

ForwardInput read_input_sizes(const at::Tensor& sizes_tensor, const ImageFormat& format) {
  const std::vector<int64_t> sizes = to_int64_vector(sizes_tensor);
  const std::size_t r = format.spatial_rank;
  if (sizes.size() == r) return {sizes, -1};
  if (static_cast<int64_t>(sizes.size()) != format.rank())
    throw Error("input_sizes has " + std::to_string(sizes.size()) + " entries; expected " +
                std::to_string(format.rank()) + " (" + format.name + ") or " + std::to_string(r) +
                " (the spatial sizes)");
  const auto first = sizes.begin() + (format.channels_last ? 1 : 2);
  return {std::vector<int64_t>(first, first + r), sizes[format.channel_axis()]};
}

// The transposed convolution giving a forward convolution's input of `in` spatial sizes from
// its output y (channels-first): each output value gathers the products that reached it.
at::Tensor transposed(const at::Tensor& y, const at::Tensor& weight, const std::vector<int64_t>& in,
                      const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                      const std::vector<int64_t>& dilations, const WindowPads& pads,
                      int64_t groups) {
  const std::size_t r = in.size();
  // ATen's output along an axis is (out - 1) * stride - 2 * pad + span + output_padding, with
  // 0 <= output_padding < max(stride, dilation); TF's starts `pads.begin` into the full result
  // and is `in` long. What ATen cannot give is cropped off or zero-filled at the end (no product
  // reaches those positions).
  std::vector<int64_t> output_padding(r, 0), fix(r, 0);
  bool fixes = false;
  for (std::size_t i = 0; i < r; ++i) {
    const int64_t span = (kernel[i] - 1) * dilations[i] + 1;
    const int64_t aten = (y.size(2 + i) - 1) * strides[i] - 2 * pads.begin[i] + span;
    const int64_t wanted = in[i] - aten;
    if (wanted >= 0 && wanted < std::max(strides[i], dilations[i])) {
      output_padding[i] = wanted;
    } else {
      fix[i] = wanted;
      fixes = true;
    }
  }
  at::Tensor x =
      at::convolution(y, weight, {}, strides, pads.begin, dilations, true, output_padding, groups);
  if (fixes) x = pad_spatial(x, WindowPads{std::vector<int64_t>(r, 0), fix}, 0);
  return x;
}

// Conv2DBackpropInput / Conv3DBackpropInputV2: inputs input_sizes, filter (spatial..., in / groups,
// out), out_backprop.
KernelFactory backprop_input(std::size_t spatial_rank) {
  return [spatial_rank](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 3, "input_sizes, filter, out_backprop");
    const ConvWindow w(init, spatial_rank, spatial_rank == 2);
    // The forward weight (out, in / groups, k...) is also the transposed one (in_T, out_T / groups,
    // k...).
    const Filter filter(init, 1, spatial_rank, filter_to_aten);
    const at::Tensor constant_sizes = init.constant_input(0);
    const std::string where = init.where();
    return [w, filter, spatial_rank, constant_sizes, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& dy = ctx.inputs[2];
      w.format.check_rank(dy, "out_backprop");
      const ForwardInput forward =
          read_input_sizes(constant_sizes.defined() ? constant_sizes : ctx.inputs[0], w.format);
      const std::vector<int64_t>& in = forward.spatial;
      const at::ScalarType type = compute_type(dy.scalar_type());
      const auto [shape, weight] = filter.get(ctx, type);
      const at::Tensor y = w.format.aten_view(dy.to(type));
      const int64_t filter_in = shape[spatial_rank], filter_out = shape[spatial_rank + 1];
      if (y.size(1) != filter_out)
        throw Error("out_backprop has " + std::to_string(y.size(1)) +
                    " channels; the filter makes " + std::to_string(filter_out));
      int64_t groups = 1;
      if (forward.channels >= 0) {
        const std::string problem = channels_problem(forward.channels, filter_in, false);
        if (!problem.empty()) throw Error("input_sizes: " + problem);
        groups = forward.channels / filter_in;
      }
      std::vector<int64_t> dims{y.size(0), filter_in * groups};
      dims.insert(dims.end(), in.begin(), in.end());
      tf::check_fits_in_memory(dims, type, "the output", where);
      const std::vector<int64_t> kernel = kernel_of(shape, spatial_rank);
      const WindowPads pads = w.padding.resolve(in, kernel, w.strides, w.dilations);
      for (std::size_t i = 0; i < spatial_rank; ++i) {
        const int64_t span = (kernel[i] - 1) * w.dilations[i] + 1;
        const int64_t padded = in[i] + pads.begin[i] + pads.end[i];
        const int64_t out = padded < span ? 0 : (padded - span) / w.strides[i] + 1;
        if (out != y.size(2 + i))
          throw Error("out_backprop has spatial size " + std::to_string(y.size(2 + i)) +
                      " on axis " + std::to_string(i) + "; a convolution of input_sizes' " +
                      std::to_string(in[i]) + " makes " + std::to_string(out));
      }
      const at::Tensor x = transposed(y, weight, in, kernel, w.strides, w.dilations, pads, groups);
      return {w.format.from_aten(x).to(dy.scalar_type())};
    };
  };
}

}  // namespace

void register_tf_conv_ops(OpRegistry& registry) {
  add_op(registry, "Conv2D", forward_conv(2, false));
  add_op(registry, "Conv3D", forward_conv(3, false));
  add_op(registry, "DepthwiseConv2dNative", forward_conv(2, true));
  add_op(registry, "Conv2DBackpropInput", backprop_input(2));
  add_op(registry, "Conv3DBackpropInputV2", backprop_input(3));
}

}  // namespace layerscope::runtime
