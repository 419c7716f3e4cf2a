// Convolution layers: Conv1D/2D/3D, their transposes, DepthwiseConv1D/2D and SeparableConv1D/2D.
// Images are channels_last (batch, spatial..., channels); the kernels get normalized window
// attributes ("kernel_size", "strides", "dilation_rate" of the layer's rank, "padding").
#include "frontends/keras/layers/image_layers.h"

namespace layerscope::keras {
namespace {

// The window of a convolution over `rank` spatial axes, as its config spells it.
struct ConvWindow {
  std::vector<int64_t> kernel, strides, dilation;
  std::string padding;  // valid, same, causal
};

void positive_list(LayerContext& ctx, const std::string& key, const std::vector<int64_t>& v) {
  for (int64_t d : v)
    if (d <= 0) ctx.fail(key + " " + kshape_string(v) + " must be positive");
}

ConvWindow read_window(LayerContext& ctx, std::size_t rank, bool causal_allowed) {
  require_channels_last(ctx);
  ConvWindow w;
  if (!ctx.has("kernel_size")) ctx.fail("config has no kernel_size");
  w.kernel = ctx.get_ints("kernel_size", rank, {});
  w.strides = ctx.get_ints("strides", rank, std::vector<int64_t>(rank, 1));
  w.dilation = ctx.get_ints("dilation_rate", rank, std::vector<int64_t>(rank, 1));
  positive_list(ctx, "kernel_size", w.kernel);
  positive_list(ctx, "strides", w.strides);
  positive_list(ctx, "dilation_rate", w.dilation);
  w.padding = ctx.get_string("padding", "valid");
  if (w.padding != "valid" && w.padding != "same" && !(causal_allowed && w.padding == "causal"))
    ctx.fail("padding '" + w.padding + "' is not one this layer has (valid, same" +
             (causal_allowed ? ", causal)" : ")"));
  return w;
}

void set_window_attributes(LayerPlan& plan, const ConvWindow& w) {
  plan.attributes["kernel_size"] = ints_attr(w.kernel);
  plan.attributes["strides"] = ints_attr(w.strides);
  plan.attributes["dilation_rate"] = ints_attr(w.dilation);
  plan.attributes["padding"] = string_attr(w.padding);
}

// Output shape of a forward window: causal padding keeps ceil(length / stride) as 'same' does.
KShape forward_output(const KShape& in, const ConvWindow& w, int64_t channels) {
  const std::string padding = w.padding == "causal" ? "same" : w.padding;
  KShape out{in[0]};
  for (std::size_t i = 0; i < w.kernel.size(); ++i)
    out.push_back(window_output(in[i + 1], w.kernel[i], w.strides[i], w.dilation[i], padding));
  out.push_back(channels);
  return out;
}

int64_t positive_int(LayerContext& ctx, const std::string& key, int64_t fallback) {
  const int64_t v = ctx.get_int(key, fallback);
  if (v <= 0) ctx.fail(key + " must be positive, got " + std::to_string(v));
  return v;
}

void set_bias_and_activation(LayerContext& ctx, LayerPlan& plan, int64_t channels,
                             const std::string& keras3_path) {
  const bool use_bias = ctx.get_bool("use_bias", true);
  if (use_bias) plan.weights.push_back({"bias", {channels}, keras3_path});
  plan.attributes["use_bias"] = int_attr(use_bias);
  plan.attributes["activation"] = string_attr(ctx.get_activation());
}

// Conv1D/2D/3D: kernel (k..., channels / groups, filters), bias (filters).
LayerSpecFn conv(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const ConvWindow w = read_window(ctx, rank, rank == 1);
    const KShape& in = image_input(ctx, rank);
    const int64_t filters = positive_int(ctx, "filters", 0);
    const int64_t groups = positive_int(ctx, "groups", 1);
    if (in.back() % groups != 0 || filters % groups != 0)
      ctx.fail("groups " + std::to_string(groups) + " must divide the input channels (" +
               std::to_string(in.back()) + ") and filters (" + std::to_string(filters) + ")");
    LayerPlan plan;
    plan.outputs = {forward_output(in, w, filters)};
    KShape kernel = w.kernel;
    kernel.push_back(in.back() / groups);
    kernel.push_back(filters);
    plan.weights.push_back({"kernel", kernel, "vars/0"});
    set_bias_and_activation(ctx, plan, filters, "vars/1");
    set_window_attributes(plan, w);
    plan.attributes["groups"] = int_attr(groups);
    return plan;
  };
}

// Conv1D/2D/3DTranspose: kernel (k..., filters, channels), bias (filters). TensorFlow computes
// the gradient of a forward convolution whose input has Keras's output length O: the full
// transposed result (length F = (in - 1) * stride + span) read from `pads_begin` on, O long,
// zeros (plus bias) past its end. O - F and pads_begin depend only on the config, so the kernel
// gets them as "length_offset" and "pads_begin" and never repeats Keras's length formula.
LayerSpecFn conv_transpose(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const ConvWindow w = read_window(ctx, rank, false);
    const KShape& in = image_input(ctx, rank);
    const int64_t filters = positive_int(ctx, "filters", 0);
    if (ctx.get_int("groups", 1) != 1) ctx.fail("groups other than 1 are not supported");
    std::vector<int64_t> output_padding;
    if (ctx.has("output_padding")) {
      output_padding = ctx.get_ints("output_padding", rank, {});
      for (std::size_t i = 0; i < rank; ++i)
        if (output_padding[i] < 0 || output_padding[i] >= std::max(w.strides[i], w.dilation[i]))
          ctx.fail("output_padding " + kshape_string(output_padding) +
                   " must be at least 0 and less than the stride (or dilation)");
    }
    std::vector<int64_t> offset(rank), pads_begin(rank);
    KShape out{in[0]};
    for (std::size_t i = 0; i < rank; ++i) {
      const int64_t s = w.strides[i], span = (w.kernel[i] - 1) * w.dilation[i] + 1;
      // keras.utils.conv_utils.deconv_output_length, minus F.
      if (output_padding.empty())
        offset[i] = w.padding == "valid" ? std::max(s - span, int64_t{0}) : s - span;
      else
        offset[i] = output_padding[i] - (w.padding == "same" ? 2 * (span / 2) : 0);
      // TensorFlow's SAME split of the forward window's padding: the smaller half first.
      pads_begin[i] = w.padding == "same" ? std::max(-offset[i], int64_t{0}) / 2 : 0;
      out.push_back(in[i + 1] < 0 ? -1 : (in[i + 1] - 1) * s + span + offset[i]);
      if (out.back() == 0 || out.back() < -1)
        ctx.fail("the output would be empty along spatial axis " + std::to_string(i + 1));
    }
    out.push_back(filters);
    LayerPlan plan;
    plan.outputs = {out};
    KShape kernel = w.kernel;
    kernel.push_back(filters);
    kernel.push_back(in.back());
    plan.weights.push_back({"kernel", kernel, "vars/0"});
    set_bias_and_activation(ctx, plan, filters, "vars/1");
    set_window_attributes(plan, w);
    plan.attributes["length_offset"] = ints_attr(offset);
    plan.attributes["pads_begin"] = ints_attr(pads_begin);
    return plan;
  };
}

// DepthwiseConv1D/2D: kernel (k..., channels, depth_multiplier) -- Keras 2 names it
// depthwise_kernel, Keras 3 kernel -- and bias (channels * depth_multiplier).
LayerSpecFn depthwise(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const ConvWindow w = read_window(ctx, rank, rank == 1);
    const KShape& in = image_input(ctx, rank);
    const int64_t multiplier = positive_int(ctx, "depth_multiplier", 1);
    LayerPlan plan;
    plan.outputs = {forward_output(in, w, in.back() * multiplier)};
    KShape kernel = w.kernel;
    kernel.push_back(in.back());
    kernel.push_back(multiplier);
    plan.weights.push_back(
        {ctx.keras_major >= 3 ? "kernel" : "depthwise_kernel", kernel, "vars/0"});
    set_bias_and_activation(ctx, plan, in.back() * multiplier, "vars/1");
    set_window_attributes(plan, w);
    return plan;
  };
}

// SeparableConv1D/2D: depthwise_kernel (k..., channels, depth_multiplier), pointwise_kernel
// (1..., channels * depth_multiplier, filters), bias (filters).
LayerSpecFn separable(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const ConvWindow w = read_window(ctx, rank, rank == 1);
    const KShape& in = image_input(ctx, rank);
    const int64_t multiplier = positive_int(ctx, "depth_multiplier", 1);
    const int64_t filters = positive_int(ctx, "filters", 0);
    LayerPlan plan;
    plan.outputs = {forward_output(in, w, filters)};
    KShape depthwise_kernel = w.kernel;
    depthwise_kernel.push_back(in.back());
    depthwise_kernel.push_back(multiplier);
    KShape pointwise_kernel(rank, 1);
    pointwise_kernel.push_back(in.back() * multiplier);
    pointwise_kernel.push_back(filters);
    plan.weights.push_back({"depthwise_kernel", depthwise_kernel, "vars/0"});
    plan.weights.push_back({"pointwise_kernel", pointwise_kernel, "vars/1"});
    set_bias_and_activation(ctx, plan, filters, "vars/2");
    set_window_attributes(plan, w);
    return plan;
  };
}

}  // namespace

void register_conv_layers(LayerSpecs& specs) {
  specs.add("Conv1D", conv(1));
  specs.add("Conv2D", conv(2));
  specs.add("Conv3D", conv(3));
  specs.add("Conv1DTranspose", conv_transpose(1));
  specs.add("Conv2DTranspose", conv_transpose(2));
  specs.add("Conv3DTranspose", conv_transpose(3));
  specs.add("DepthwiseConv1D", depthwise(1));
  specs.add("DepthwiseConv2D", depthwise(2));
  specs.add("SeparableConv1D", separable(1));
  specs.add("SeparableConv2D", separable(2));
}

}  // namespace layerscope::keras
