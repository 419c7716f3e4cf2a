// Resize and Upsample: every output element is a weighted sum of the input elements near the
// point it maps back to. Each axis is resized on its own (the ONNX reference interpolates one axis
// at a time too), so a general N-d resize is a chain of 1-d "gather taps and weigh them" steps.
// Where ATen's upsample kernels compute exactly what ONNX asks for, they run instead (faster).
// GridSample, which samples at arbitrary points a grid gives, is here too.
#include "runtime/kernel.h"
#include "runtime/registry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

enum class Interpolation { Nearest, Linear, Cubic };

enum class CoordinateMode {
  HalfPixel,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelForNn,  // opset 11 only
  TfCropAndResize,
};

enum class NearestRounding {
  RoundPreferFloor,
  RoundPreferCeil,
  Floor,
  Ceil,
  // Opsets before 11 define no rounding; runtimes (and exporters relying on them) floor when
  // upsampling and ceil when downsampling.
  Legacy,
};

enum class AspectPolicy { Stretch, NotLarger, NotSmaller };  // opset 18

struct ResizeAttributes {
  Interpolation mode = Interpolation::Nearest;
  CoordinateMode coordinates = CoordinateMode::HalfPixel;
  NearestRounding rounding = NearestRounding::RoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation_value = 0;
  std::vector<int64_t> axes;  // opset 18: the axes scales/sizes refer to; empty = all
  AspectPolicy aspect = AspectPolicy::Stretch;
};

// How one axis maps output coordinates back to input coordinates.
struct AxisPlan {
  int64_t axis = 0;
  int64_t in = 0;
  int64_t out = 0;
  double scale = 1;  // the given scale, or out / in when sizes were given
  // What the ONNX formulas call length_resized: scale * in (times the roi's extent for
  // tf_crop_and_resize), fractional with scales (0.6 * 4 = 2.4) as the reference computes it.
  double length_resized = 0;
  double roi_start = 0;
  double roi_end = 1;
  bool from_scales = false;  // whether `scale` came from a scales input (ATen wants it then)
};

// What one run resizes: the output size of every axis and how coordinates map.
struct ResizePlan {
  std::vector<AxisPlan> axes;  // one per input axis
};

Interpolation parse_mode(const KernelInit& init) {
  const std::string mode = init.node.attr_string("mode", "nearest");
  if (mode == "nearest") return Interpolation::Nearest;
  if (mode == "linear" || mode == "bilinear") return Interpolation::Linear;  // Upsample-1 said so
  if (mode == "cubic" && init.node.op_type == "Resize" && init.opset >= 11)
    return Interpolation::Cubic;
  fail(init,
       "unknown mode '" + mode + "'; expected nearest, linear or cubic (cubic from opset 11)");
}

CoordinateMode parse_coordinate_mode(const KernelInit& init) {
  const std::string mode = init.node.attr_string("coordinate_transformation_mode", "half_pixel");
  if (mode == "half_pixel") return CoordinateMode::HalfPixel;
  if (mode == "pytorch_half_pixel") return CoordinateMode::PytorchHalfPixel;
  if (mode == "align_corners") return CoordinateMode::AlignCorners;
  if (mode == "asymmetric") return CoordinateMode::Asymmetric;
  if (mode == "tf_half_pixel_for_nn") return CoordinateMode::TfHalfPixelForNn;
  if (mode == "tf_crop_and_resize") return CoordinateMode::TfCropAndResize;
  fail(init, "unknown coordinate_transformation_mode '" + mode +
                 "'; expected half_pixel, pytorch_half_pixel, align_corners, asymmetric, "
                 "tf_half_pixel_for_nn or tf_crop_and_resize");
}

NearestRounding parse_nearest_mode(const KernelInit& init) {
  const std::string mode = init.node.attr_string("nearest_mode", "round_prefer_floor");
  if (mode == "round_prefer_floor") return NearestRounding::RoundPreferFloor;
  if (mode == "round_prefer_ceil") return NearestRounding::RoundPreferCeil;
  if (mode == "floor") return NearestRounding::Floor;
  if (mode == "ceil") return NearestRounding::Ceil;
  fail(init, "unknown nearest_mode '" + mode +
                 "'; expected round_prefer_floor, round_prefer_ceil, floor or ceil");
}

ResizeAttributes parse_attributes(const KernelInit& init, bool legacy) {
  ResizeAttributes a;
  a.mode = parse_mode(init);
  if (legacy) {
    // Upsample and Resize-10 map coordinates as x_out / scale.
    a.coordinates = CoordinateMode::Asymmetric;
    a.rounding = NearestRounding::Legacy;
    return a;
  }
  a.coordinates = parse_coordinate_mode(init);
  a.rounding = parse_nearest_mode(init);
  a.cubic_a = init.node.attr_float("cubic_coeff_a", -0.75);
  a.exclude_outside = init.node.attr_int("exclude_outside", 0) != 0;
  a.extrapolation_value = init.node.attr_float("extrapolation_value", 0.0);
  if (init.node.attr_int("antialias", 0) != 0)
    fail(init, "antialias=1 (opset 18) is not supported; expected antialias=0");
  a.axes = init.node.attr_ints("axes");
  const std::string policy = init.node.attr_string("keep_aspect_ratio_policy", "stretch");
  if (policy == "stretch")
    a.aspect = AspectPolicy::Stretch;
  else if (policy == "not_larger")
    a.aspect = AspectPolicy::NotLarger;
  else if (policy == "not_smaller")
    a.aspect = AspectPolicy::NotSmaller;
  else
    fail(init, "unknown keep_aspect_ratio_policy '" + policy +
                   "'; expected stretch, not_larger or not_smaller");
  return a;
}

std::vector<double> to_double_vector(const at::Tensor& t) {
  const at::Tensor d = t.to(at::kDouble).contiguous();
  const double* p = d.data_ptr<double>();
  return std::vector<double>(p, p + d.numel());
}

// The plan for one run from whichever of scales / sizes / roi the node has.
ResizePlan make_plan(const at::Tensor& x, const ResizeAttributes& a,
                     const std::optional<std::vector<double>>& scales,
                     const std::optional<std::vector<int64_t>>& sizes,
                     const std::vector<double>& roi, const std::string& where) {
  const int64_t rank = x.dim();
  // The axes scales/sizes/roi list (all of them unless opset 18's `axes` says otherwise).
  std::vector<int64_t> listed;
  if (a.axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) listed.push_back(d);
  } else {
    for (int64_t axis : a.axes) listed.push_back(normalize_axis(axis, rank, where));
  }
  const std::size_t count = listed.size();
  if (scales && scales->size() != count)
    throw Error(where + ": scales has " + std::to_string(scales->size()) + " elements; expected " +
                std::to_string(count) + " (one per resized axis)");
  if (sizes && sizes->size() != count)
    throw Error(where + ": sizes has " + std::to_string(sizes->size()) + " elements; expected " +
                std::to_string(count) + " (one per resized axis)");
  const bool crop = a.coordinates == CoordinateMode::TfCropAndResize;
  // roi only matters to tf_crop_and_resize; other modes ignore whatever exporters put there.
  if (crop && !roi.empty() && roi.size() != 2 * count)
    throw Error(where + ": roi has " + std::to_string(roi.size()) + " elements; expected " +
                std::to_string(2 * count) + " (starts then ends of each resized axis)");

  ResizePlan plan;
  plan.axes.resize(rank);
  for (int64_t d = 0; d < rank; ++d) {
    AxisPlan& p = plan.axes[d];
    p.axis = d;
    p.in = x.size(d);
    p.out = p.in;
  }

  // keep_aspect_ratio_policy (opset 18): one scale for all listed axes, from the sizes.
  std::optional<double> common_scale;
  if (sizes && a.aspect != AspectPolicy::Stretch) {
    for (std::size_t i = 0; i < count; ++i) {
      const double s = static_cast<double>((*sizes)[i]) / x.size(listed[i]);
      if (!common_scale ||
          (a.aspect == AspectPolicy::NotLarger ? s < *common_scale : s > *common_scale))
        common_scale = s;
    }
  }

  for (std::size_t i = 0; i < count; ++i) {
    AxisPlan& p = plan.axes[listed[i]];
    if (!roi.empty() && crop) {
      p.roi_start = roi[i];
      p.roi_end = roi[count + i];
    }
    if (common_scale) {
      p.scale = *common_scale;
      p.out = static_cast<int64_t>(std::round(p.scale * p.in));
      p.length_resized = static_cast<double>(p.out);
    } else if (sizes) {
      p.out = (*sizes)[i];
      if (p.out < 0) throw Error(where + ": sizes has a negative entry; expected sizes >= 0");
      p.scale = p.in > 0 ? static_cast<double>(p.out) / p.in : 1.0;
      p.length_resized = static_cast<double>(p.out);
    } else {
      p.scale = (*scales)[i];
      if (!(p.scale > 0))
        throw Error(where + ": scales has a non-positive entry; expected scales > 0");
      p.from_scales = true;
      const double extent = crop ? p.roi_end - p.roi_start : 1.0;
      p.length_resized = p.in * extent * p.scale;  // the roi's extent, resized
      p.out = static_cast<int64_t>(std::floor(p.length_resized));
    }
    if (p.in == 0 && p.out > 0)
      throw Error(where + ": cannot resize an empty axis " + std::to_string(listed[i]) +
                  " to length " + std::to_string(p.out) + "; expected a non-empty input axis");
  }
  return plan;
}

// Whether the axis maps every output index to the same input index with weight 1.
bool is_identity(const AxisPlan& p, const ResizeAttributes& a) {
  if (a.coordinates == CoordinateMode::TfCropAndResize) return false;
  return p.in == p.out && (p.scale == 1.0 || p.in == 1);
}

// The input coordinate output index `x` maps to along the axis.
double original_coordinate(const AxisPlan& p, CoordinateMode mode, int64_t x) {
  switch (mode) {
    case CoordinateMode::HalfPixel:
      return (x + 0.5) / p.scale - 0.5;
    case CoordinateMode::PytorchHalfPixel:
      return p.length_resized > 1 ? (x + 0.5) / p.scale - 0.5 : 0.0;
    case CoordinateMode::AlignCorners:
      return p.out > 1 ? x * static_cast<double>(p.in - 1) / (p.length_resized - 1) : 0.0;
    case CoordinateMode::Asymmetric:
      return x / p.scale;
    case CoordinateMode::TfHalfPixelForNn:
      return (x + 0.5) / p.scale;
    case CoordinateMode::TfCropAndResize: {
      const double span = (p.roi_end - p.roi_start) * (p.in - 1);
      const double start = p.roi_start * (p.in - 1);
      return p.out > 1 ? start + x * span / (p.length_resized - 1) : start + span / 2;
    }
  }
  return 0.0;
}

int64_t nearest_index(double coordinate, NearestRounding rounding, bool downsampling) {
  const double below = std::floor(coordinate);
  const auto floor_index = static_cast<int64_t>(below);
  if (coordinate == below) return floor_index;
  const double fraction = coordinate - below;
  switch (rounding) {
    case NearestRounding::RoundPreferFloor:
      return fraction <= 0.5 ? floor_index : floor_index + 1;
    case NearestRounding::RoundPreferCeil:
      return fraction < 0.5 ? floor_index : floor_index + 1;
    case NearestRounding::Floor:
      return floor_index;
    case NearestRounding::Ceil:
      return floor_index + 1;
    case NearestRounding::Legacy:
      return downsampling ? floor_index + 1 : floor_index;
  }
  return floor_index;
}

// Keys's cubic convolution kernel, for |t| <= 1 and 1 < |t| < 2 (Equation (4) of Keys 1981).
double cubic_near(double t, double a) { return ((a + 2) * t - (a + 3)) * t * t + 1; }
double cubic_far(double t, double a) { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a; }

// Taps of one axis: for each of `taps` neighbours, the input index and weight of every output
// index (laid out [tap][out]), and which outputs fall outside a tf_crop_and_resize roi.
struct AxisTaps {
  int taps = 1;
  std::vector<int64_t> index;
  std::vector<double> weight;
  std::vector<bool> outside;
  bool any_outside = false;
};

AxisTaps compute_taps(const AxisPlan& p, const ResizeAttributes& a) {
  AxisTaps t;
  t.taps = a.mode == Interpolation::Nearest ? 1 : a.mode == Interpolation::Linear ? 2 : 4;
  const int64_t out = p.out;
  t.index.assign(t.taps * out, 0);
  t.weight.assign(t.taps * out, 0.0);
  t.outside.assign(out, false);
  const int64_t last = p.in - 1;
  for (int64_t x = 0; x < out; ++x) {
    const double c = original_coordinate(p, a.coordinates, x);
    if (a.coordinates == CoordinateMode::TfCropAndResize && (c < 0 || c > last)) {
      t.outside[x] = true;  // filled with extrapolation_value afterwards
      t.any_outside = true;
    }
    if (a.mode == Interpolation::Nearest) {
      const int64_t i = nearest_index(c, a.rounding, p.scale < 1);
      t.index[x] = std::clamp<int64_t>(i, 0, last);
      t.weight[x] = 1;
      continue;
    }
    const double below = std::floor(c);
    const double r = c - below;
    const auto base = static_cast<int64_t>(below);
    double w[4];
    int64_t first;  // input index of tap 0
    if (a.mode == Interpolation::Linear) {
      w[0] = 1 - r;
      w[1] = r;
      first = base;
    } else {
      w[0] = cubic_far(r + 1, a.cubic_a);
      w[1] = cubic_near(r, a.cubic_a);
      w[2] = cubic_near(1 - r, a.cubic_a);
      w[3] = cubic_far(2 - r, a.cubic_a);
      first = base - 1;
    }
    if (a.exclude_outside) {
      double sum = 0;
      for (int k = 0; k < t.taps; ++k) {
        const int64_t i = first + k;
        if (i < 0 || i > last) w[k] = 0;
        sum += w[k];
      }
      if (sum != 0)
        for (int k = 0; k < t.taps; ++k) w[k] /= sum;
    }
    for (int k = 0; k < t.taps; ++k) {
      // Neighbours past the edge repeat the edge element (the reference pads in 'edge' mode).
      t.index[k * out + x] = std::clamp<int64_t>(first + k, 0, last);
      t.weight[k * out + x] = w[k];
    }
  }
  return t;
}

// Resizes `x` (already in the compute type for linear/cubic) along one axis.
at::Tensor resize_axis(const at::Tensor& x, const AxisPlan& p, const AxisTaps& t) {
  const int64_t out = p.out;
  auto long_options = at::TensorOptions().dtype(at::kLong);
  if (t.taps == 1)
    return x.index_select(p.axis, at::tensor(at::ArrayRef<int64_t>(t.index), long_options));
  std::vector<int64_t> weight_shape(x.dim(), 1);
  weight_shape[p.axis] = out;
  at::Tensor result;
  for (int k = 0; k < t.taps; ++k) {
    const at::Tensor index =
        at::tensor(at::ArrayRef<int64_t>(t.index.data() + k * out, out), long_options);
    const at::Tensor weight =
        at::tensor(at::ArrayRef<double>(t.weight.data() + k * out, out), at::kDouble)
            .to(x.scalar_type())
            .view(weight_shape);
    at::Tensor term = x.index_select(p.axis, index) * weight;
    result = result.defined() ? result.add_(term) : term;
  }
  return result;
}

// The general path: any mode, coordinate mode, rank and dtype.
at::Tensor resize_by_gather(const at::Tensor& x, const ResizePlan& plan,
                            const ResizeAttributes& a) {
  const at::ScalarType type = x.scalar_type();
  const bool weighted = a.mode != Interpolation::Nearest;
  // Weighted sums run in float (double for double inputs); nearest only moves elements.
  const at::ScalarType compute = type == at::kDouble ? at::kDouble : at::kFloat;
  at::Tensor y = weighted ? x.to(compute) : x;
  at::Tensor outside_mask;
  for (const AxisPlan& p : plan.axes) {
    if (is_identity(p, a)) continue;
    const AxisTaps taps = compute_taps(p, a);
    y = resize_axis(y, p, taps);
    if (taps.any_outside) {
      std::vector<uint8_t> flags(taps.outside.begin(), taps.outside.end());
      std::vector<int64_t> shape(x.dim(), 1);
      shape[p.axis] = p.out;
      const at::Tensor axis_mask =
          at::tensor(at::ArrayRef<uint8_t>(flags), at::kByte).to(at::kBool).view(shape);
      outside_mask = outside_mask.defined() ? outside_mask.logical_or(axis_mask) : axis_mask;
    }
  }
  if (outside_mask.defined()) y = y.masked_fill(outside_mask, a.extrapolation_value);
  if (y.scalar_type() == type) return y.is_same(x) ? y.clone() : y;
  if (at::isIntegralType(type, /*includeBool=*/false)) {
    // Interpolating integers (e.g. uint8 images) rounds and saturates to the type's range.
    y = y.round();
    if (type == at::kByte) y = y.clamp(0, 255);
    if (type == at::kChar) y = y.clamp(-128, 127);
    if (type == at::kShort) y = y.clamp(-32768, 32767);
  }
  return y.to(type);
}

// ATen's upsample kernels, where they compute exactly the ONNX result: float/double inputs of
// rank 3-5 resized only on the spatial axes (2..), in these combinations:
//   nearest  + asymmetric + floor (also the legacy floor when upsampling) -> upsample_nearest
//   linear   + half_pixel (pytorch_half_pixel unless an output length <= 1) -> align_corners=false
//   linear   + align_corners with whole output lengths                    -> align_corners=true
//   cubic    + the same two, rank 4, a = -0.75, no exclude_outside        -> upsample_bicubic2d
std::optional<at::Tensor> resize_with_aten(const at::Tensor& x, const ResizePlan& plan,
                                           const ResizeAttributes& a) {
  const int64_t rank = x.dim();
  if (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble) return std::nullopt;
  if (rank < 3 || rank > 5) return std::nullopt;
  if (!is_identity(plan.axes[0], a) || !is_identity(plan.axes[1], a)) return std::nullopt;
  std::vector<int64_t> out_sizes;
  std::vector<c10::optional<double>> scales;  // c10's optional is what ATen takes
  bool whole_lengths = true;
  bool any_short_output = false;  // length_resized <= 1, where pytorch_half_pixel maps to 0
  bool all_upsampling = true;
  for (int64_t d = 2; d < rank; ++d) {
    const AxisPlan& p = plan.axes[d];
    if (p.in == 0 || p.out == 0) return std::nullopt;
    out_sizes.push_back(p.out);
    // ATen maps with 1/scale when given one and in/out otherwise, as ONNX does.
    scales.push_back(p.from_scales ? c10::optional<double>(p.scale) : c10::nullopt);
    whole_lengths = whole_lengths && p.length_resized == static_cast<double>(p.out);
    any_short_output = any_short_output || p.length_resized <= 1;
    all_upsampling = all_upsampling && p.scale >= 1;
  }
  const bool half_pixel = a.coordinates == CoordinateMode::HalfPixel ||
                          (a.coordinates == CoordinateMode::PytorchHalfPixel && !any_short_output);
  const bool align_corners = a.coordinates == CoordinateMode::AlignCorners && whole_lengths;

  if (a.mode == Interpolation::Nearest) {
    const bool floors = a.rounding == NearestRounding::Floor ||
                        (a.rounding == NearestRounding::Legacy && all_upsampling);
    if (a.coordinates != CoordinateMode::Asymmetric || !floors) return std::nullopt;
    if (rank == 3) return at::upsample_nearest1d(x, out_sizes, scales[0]);
    if (rank == 4) return at::upsample_nearest2d(x, out_sizes, scales[0], scales[1]);
    return at::upsample_nearest3d(x, out_sizes, scales[0], scales[1], scales[2]);
  }
  if (!half_pixel && !align_corners) return std::nullopt;
  if (align_corners) scales.assign(scales.size(), c10::nullopt);  // ATen ignores them there
  if (a.mode == Interpolation::Linear) {
    if (rank == 3) return at::upsample_linear1d(x, out_sizes, align_corners, scales[0]);
    if (rank == 4)
      return at::upsample_bilinear2d(x, out_sizes, align_corners, scales[0], scales[1]);
    return at::upsample_trilinear3d(x, out_sizes, align_corners, scales[0], scales[1], scales[2]);
  }
  if (rank != 4 || a.cubic_a != -0.75 || a.exclude_outside) return std::nullopt;
  return at::upsample_bicubic2d(x, out_sizes, align_corners, scales[0], scales[1]);
}

at::Tensor resize(const at::Tensor& x, const ResizePlan& plan, const ResizeAttributes& a) {
  if (std::optional<at::Tensor> y = resize_with_aten(x, plan, a)) return *y;
  return resize_by_gather(x, plan, a);
}

// Which inputs carry the resize parameters in each version.
enum class Signature {
  UpsampleAttribute,  // Upsample-1/7: scales (or height_scale/width_scale) attributes
  ScalesInput,        // Upsample-9, Resize-10: X, scales
  RoiScalesSizes,     // Resize-11+: X, roi, scales, sizes
};

KernelFactory resize_factory(Signature signature) {
  return [signature](const KernelInit& init) -> Kernel {
    const bool legacy = signature != Signature::RoiScalesSizes;
    const ResizeAttributes attributes = parse_attributes(init, legacy);
    const std::string where = init.where();

    std::vector<double> attribute_scales;
    if (signature == Signature::UpsampleAttribute) {
      if (init.node.find_attribute("scales")) {
        attribute_scales = init.node.attr_floats("scales");
      } else if (init.node.find_attribute("height_scale") &&
                 init.node.find_attribute("width_scale")) {
        attribute_scales = {1.0, 1.0, init.node.attr_float("height_scale", 1.0),
                            init.node.attr_float("width_scale", 1.0)};
      } else {
        fail(init, "has no 'scales' attribute; expected the scale of every axis");
      }
    }

    return [signature, attributes, attribute_scales, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      std::optional<std::vector<double>> scales;
      std::optional<std::vector<int64_t>> sizes;
      std::vector<double> roi;
      switch (signature) {
        case Signature::UpsampleAttribute:
          scales = attribute_scales;
          break;
        case Signature::ScalesInput:
          if (!ctx.has(1)) throw Error(where + ": missing the scales input");
          scales = to_double_vector(ctx.inputs[1]);
          break;
        case Signature::RoiScalesSizes:
          // An empty scales tensor means "use sizes" (opset 11 required the input).
          if (ctx.has(1) && ctx.inputs[1].numel() > 0) roi = to_double_vector(ctx.inputs[1]);
          if (ctx.has(2) && ctx.inputs[2].numel() > 0) scales = to_double_vector(ctx.inputs[2]);
          if (ctx.has(3) && ctx.inputs[3].numel() > 0) sizes = to_int64_vector(ctx.inputs[3]);
          if (scales && sizes)
            throw Error(where + ": both scales and sizes are given; expected only one");
          if (!scales && !sizes)
            throw Error(where + ": neither scales nor sizes is given; expected one of them");
          break;
      }
      const ResizePlan plan = make_plan(x, attributes, scales, sizes, roi, where);
      return {resize(x, plan, attributes)};
    };
  };
}

// GridSample (opset 16) is torch.nn.functional.grid_sample, whose ATen kernel is at::grid_sampler:
// the attribute values map to its enum positions one to one.
KernelFactory grid_sample_factory() {
  return [](const KernelInit& init) -> Kernel {
    const std::string mode = init.node.attr_string("mode", "bilinear");
    int64_t interpolation = 0;
    // Opset 20 renamed bilinear/bicubic to linear/cubic; accept both spellings.
    if (mode == "bilinear" || mode == "linear")
      interpolation = 0;
    else if (mode == "nearest")
      interpolation = 1;
    else if (mode == "bicubic" || mode == "cubic")
      interpolation = 2;
    else
      fail(init, "unknown mode '" + mode + "'; expected bilinear, nearest or bicubic");
    const std::string padding_mode = init.node.attr_string("padding_mode", "zeros");
    int64_t padding = 0;
    if (padding_mode == "zeros")
      padding = 0;
    else if (padding_mode == "border")
      padding = 1;
    else if (padding_mode == "reflection")
      padding = 2;
    else
      fail(init,
           "unknown padding_mode '" + padding_mode + "'; expected zeros, border or reflection");
    const bool align_corners = init.node.attr_int("align_corners", 0) != 0;

    return [=, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const at::Tensor& grid = ctx.inputs.at(1);
      const int64_t rank = x.dim();
      // ATen samples 4-D (and 5-D, except bicubic) inputs; ONNX 16 defines only 4-D ones.
      if ((rank != 4 && rank != 5) || (rank == 5 && interpolation == 2))
        throw Error(where + ": input has rank " + std::to_string(rank) +
                    "; expected (N, C, H, W) (or (N, C, D, H, W) without bicubic)");
      if (grid.dim() != rank || grid.size(0) != x.size(0) || grid.size(-1) != rank - 2)
        throw Error(where + ": grid must be (N, H_out, W_out, 2) for an input (N, C, H, W)");
      // ATen samples float/double; other types (float16, integers) are sampled in float32.
      const at::ScalarType type = x.scalar_type();
      const at::ScalarType compute = type == at::kDouble ? at::kDouble : at::kFloat;
      at::Tensor y =
          at::grid_sampler(x.to(compute), grid.to(compute), interpolation, padding, align_corners);
      if (at::isIntegralType(type, /*includeBool=*/true)) y = y.round();
      return {y.to(type)};
    };
  };
}

}  // namespace

void register_resize_ops(OpRegistry& registry) {
  registry.add("Upsample", 1, resize_factory(Signature::UpsampleAttribute), 8);
  registry.add("Upsample", 9, resize_factory(Signature::ScalesInput));
  registry.add("Resize", 10, resize_factory(Signature::ScalesInput), 10);
  // 13 only relaxed which inputs are optional; 18's axes / keep_aspect_ratio_policy are read
  // when present (antialias is refused).
  registry.add("Resize", 11, resize_factory(Signature::RoiScalesSizes));
  registry.add("GridSample", 16, grid_sample_factory());
}

}  // namespace layerscope::runtime
