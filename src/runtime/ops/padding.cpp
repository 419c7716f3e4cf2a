#include "runtime/ops/padding.h"

#include <algorithm>

namespace layerscope::runtime {

namespace {

std::string join(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i)
    text += (i ? "," : "") + std::to_string(values[i]);
  return text + "]";
}

// A per-axis attribute resolved to `rank` entries: `fallback` everywhere when not given.
std::vector<int64_t> per_axis(const std::vector<int64_t>& given, std::size_t rank, int64_t fallback,
                              const char* name, const std::string& where) {
  if (given.empty()) return std::vector<int64_t>(rank, fallback);
  if (given.size() != rank)
    throw Error(where + ": " + name + " " + join(given) + " has " + std::to_string(given.size()) +
                " entries; expected one per spatial axis (" + std::to_string(rank) + ")");
  return given;
}

}  // namespace

WindowAttributes read_window_attributes(const KernelInit& init) {
  WindowAttributes attrs;
  const std::string auto_pad = init.node.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET" || auto_pad.empty())
    attrs.auto_pad = AutoPad::NotSet;
  else if (auto_pad == "SAME_UPPER")
    attrs.auto_pad = AutoPad::SameUpper;
  else if (auto_pad == "SAME_LOWER")
    attrs.auto_pad = AutoPad::SameLower;
  else if (auto_pad == "VALID")
    attrs.auto_pad = AutoPad::Valid;
  else
    fail(init, "auto_pad '" + auto_pad +
                   "' is unknown; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  attrs.kernel_shape = init.node.attr_ints("kernel_shape");
  attrs.strides = init.node.attr_ints("strides");
  attrs.dilations = init.node.attr_ints("dilations");
  attrs.pads = init.node.attr_ints("pads");

  if (attrs.pads.size() % 2 != 0)
    fail(init, "pads " + join(attrs.pads) + " has an odd length; expected begin and end per axis");
  for (const int64_t s : attrs.strides)
    if (s <= 0) fail(init, "strides " + join(attrs.strides) + " must be positive");
  for (const int64_t d : attrs.dilations)
    if (d <= 0) fail(init, "dilations " + join(attrs.dilations) + " must be positive");
  for (const int64_t k : attrs.kernel_shape)
    if (k <= 0) fail(init, "kernel_shape " + join(attrs.kernel_shape) + " must be positive");
  for (const int64_t p : attrs.pads)
    if (p < 0) fail(init, "pads " + join(attrs.pads) + " must not be negative");
  return attrs;
}

bool Window::unpadded() const {
  return std::all_of(pads_begin.begin(), pads_begin.end(), [](int64_t p) { return p == 0; }) &&
         std::all_of(pads_end.begin(), pads_end.end(), [](int64_t p) { return p == 0; });
}

Window resolve_window(const WindowAttributes& attrs, const std::vector<int64_t>& input_spatial,
                      const std::vector<int64_t>& kernel, const std::string& where) {
  const std::size_t rank = kernel.size();
  if (input_spatial.size() != rank)
    throw Error(where + ": input has " + std::to_string(input_spatial.size()) +
                " spatial axes but the kernel has " + std::to_string(rank));
  if (!attrs.kernel_shape.empty() && attrs.kernel_shape != kernel)
    throw Error(where + ": kernel_shape " + join(attrs.kernel_shape) +
                " does not match the weight's spatial shape " + join(kernel));
  Window window;
  window.kernel = kernel;
  window.strides = per_axis(attrs.strides, rank, 1, "strides", where);
  window.dilations = per_axis(attrs.dilations, rank, 1, "dilations", where);
  window.pads_begin.assign(rank, 0);
  window.pads_end.assign(rank, 0);

  switch (attrs.auto_pad) {
    case AutoPad::NotSet:
      if (!attrs.pads.empty()) {
        if (attrs.pads.size() != 2 * rank)
          throw Error(where + ": pads " + join(attrs.pads) + " has " +
                      std::to_string(attrs.pads.size()) + " entries; expected " +
                      std::to_string(2 * rank) + " (begin and end per spatial axis)");
        window.pads_begin.assign(attrs.pads.begin(), attrs.pads.begin() + rank);
        window.pads_end.assign(attrs.pads.begin() + rank, attrs.pads.end());
      }
      break;
    case AutoPad::Valid:
      break;
    case AutoPad::SameUpper:
    case AutoPad::SameLower:
      // SAME keeps ceil(input / stride) outputs; the odd pad goes to the end (UPPER) or the
      // beginning (LOWER).
      for (std::size_t i = 0; i < rank; ++i) {
        const int64_t stride = window.strides[i];
        const int64_t output = (input_spatial[i] + stride - 1) / stride;
        const int64_t total =
            std::max<int64_t>(0, (output - 1) * stride + window.extent(i) - input_spatial[i]);
        const int64_t smaller = total / 2;
        window.pads_begin[i] = attrs.auto_pad == AutoPad::SameUpper ? smaller : total - smaller;
        window.pads_end[i] = total - window.pads_begin[i];
      }
      break;
  }
  return window;
}

int64_t pooled_length(int64_t input, int64_t pad_begin, int64_t pad_end, int64_t extent,
                      int64_t stride, bool ceil_mode) {
  const int64_t span = input + pad_begin + pad_end - extent;
  if (span < 0) return 0;
  int64_t length = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (length - 1) * stride >= input + pad_begin) --length;
  return length;
}

std::vector<int64_t> constant_pad_spec(const std::vector<int64_t>& begin,
                                       const std::vector<int64_t>& end) {
  std::vector<int64_t> spec;
  spec.reserve(2 * begin.size());
  for (std::size_t i = begin.size(); i-- > 0;) {
    spec.push_back(begin[i]);
    spec.push_back(end[i]);
  }
  return spec;
}

std::vector<int64_t> spatial_sizes(const at::Tensor& x) {
  if (x.dim() < 3) return {};
  return std::vector<int64_t>(x.sizes().begin() + 2, x.sizes().end());
}

}  // namespace layerscope::runtime
