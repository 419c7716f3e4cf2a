// Ops that fit no family: EyeLike, the random generators (RandomNormal/Uniform(Like), Bernoulli,
// Multinomial), Det, and the detection helpers NonMaxSuppression and RoiAlign.
#include "runtime/kernel.h"
#include "runtime/registry.h"
#include "runtime/tensor_bridge.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

// The ATen type of an ONNX `dtype` attribute, or `fallback` when the node has none.
at::ScalarType dtype_attribute(const KernelInit& init, std::optional<at::ScalarType> fallback) {
  if (!init.node.find_attribute("dtype")) {
    if (!fallback) fail(init, "needs a 'dtype' attribute");
    return *fallback;
  }
  return to_scalar_type(static_cast<DType>(init.node.attr_int("dtype", 1)), init.where());
}

// EyeLike: a 2-D tensor shaped like the input with ones on diagonal k.
KernelFactory eye_like() {
  return [](const KernelInit& init) -> Kernel {
    std::optional<at::ScalarType> type;
    if (init.node.find_attribute("dtype")) type = dtype_attribute(init, std::nullopt);
    const int64_t k = init.node.attr_int("k", 0);
    const std::string where = init.where();
    return [type, k, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() != 2)
        throw Error(where + ": input has rank " + std::to_string(x.dim()) + "; expected 2");
      at::Tensor y = at::zeros(x.sizes(), x.options().dtype(type.value_or(x.scalar_type())));
      // An offset past the matrix selects an empty diagonal, leaving all zeros.
      y.diagonal(k).fill_(1);
      return {y};
    };
  };
}

// A generator seeded from the node's `seed` attribute, or nullopt (ATen's global generator).
// The generator is made afresh each run, so a seeded node gives the same values every run.
c10::optional<at::Generator> seeded_generator(const std::optional<double>& seed) {
  if (!seed) return c10::nullopt;
  return at::detail::createCPUGenerator(static_cast<uint64_t>(static_cast<int64_t>(*seed)));
}

std::optional<double> seed_attribute(const KernelInit& init) {
  if (!init.node.find_attribute("seed")) return std::nullopt;
  return init.node.attr_float("seed", 0.0);
}

enum class Distribution { Normal, Uniform };

// Samples of `shape` in `type`; drawn in float (ATen lacks half samplers) where type is half.
at::Tensor sample(Distribution distribution, double a, double b, at::IntArrayRef shape,
                  at::ScalarType type, const std::optional<double>& seed) {
  const at::ScalarType draw = type == at::kDouble ? at::kDouble : at::kFloat;
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(draw));
  if (distribution == Distribution::Normal)
    t.normal_(a, b, seeded_generator(seed));
  else
    t.uniform_(a, b, seeded_generator(seed));
  return t.to(type);
}

// RandomNormal / RandomUniform (shape attribute) and their *Like forms (input's shape).
KernelFactory random_factory(Distribution distribution, bool like) {
  return [distribution, like](const KernelInit& init) -> Kernel {
    const Node& node = init.node;
    const bool normal = distribution == Distribution::Normal;
    const double a = normal ? node.attr_float("mean", 0.0) : node.attr_float("low", 0.0);
    const double b = normal ? node.attr_float("scale", 1.0) : node.attr_float("high", 1.0);
    const std::optional<double> seed = seed_attribute(init);
    std::optional<at::ScalarType> type;
    if (!like || node.find_attribute("dtype")) type = dtype_attribute(init, at::kFloat);
    if (type && !at::isFloatingType(*type))
      fail(init, "dtype must be a float type; expected float16, float or double");
    std::vector<int64_t> shape;
    if (!like) {
      if (!node.find_attribute("shape")) fail(init, "needs a 'shape' attribute");
      shape = node.attr_ints("shape");
    }
    return [distribution, like, a, b, seed, type, shape](KernelContext& ctx) -> Tensors {
      if (!like) return {sample(distribution, a, b, shape, *type, seed)};
      const at::Tensor& x = ctx.inputs.at(0);
      at::ScalarType out = type.value_or(x.scalar_type());
      return {sample(distribution, a, b, x.sizes(), out, seed)};
    };
  };
}

// Bernoulli: 1 with the probability each input element gives, else 0.
KernelFactory bernoulli() {
  return [](const KernelInit& init) -> Kernel {
    std::optional<at::ScalarType> type;
    if (init.node.find_attribute("dtype")) type = dtype_attribute(init, std::nullopt);
    const std::optional<double> seed = seed_attribute(init);
    return [type, seed](KernelContext& ctx) -> Tensors {
      const at::Tensor& p = ctx.inputs.at(0);
      const at::Tensor probabilities = p.scalar_type() == at::kDouble ? p : p.to(at::kFloat);
      const at::Tensor drawn = at::bernoulli(probabilities, seeded_generator(seed));
      return {drawn.to(type.value_or(p.scalar_type()))};
    };
  };
}

// Multinomial: `sample_size` class indices per batch row, drawn from softmax(input).
KernelFactory multinomial() {
  return [](const KernelInit& init) -> Kernel {
    const at::ScalarType type = dtype_attribute(init, at::kInt);
    if (type != at::kInt && type != at::kLong) fail(init, "dtype must be int32 or int64");
    const int64_t samples = init.node.attr_int("sample_size", 1);
    const std::optional<double> seed = seed_attribute(init);
    const std::string where = init.where();
    return [type, samples, seed, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      if (x.dim() != 2)
        throw Error(where + ": input has rank " + std::to_string(x.dim()) +
                    "; expected 2 (batch, classes)");
      const at::Tensor probabilities = at::softmax(x.to(at::kDouble), 1);
      return {at::multinomial(probabilities, samples, /*replacement=*/true, seeded_generator(seed))
                  .to(type)};
    };
  };
}

// Det: determinants of the trailing square matrices.
at::Tensor determinant(const at::Tensor& x) {
  const at::ScalarType type = x.scalar_type();
  const at::Tensor wide = type == at::kDouble ? x : x.to(at::kFloat);
  return at::linalg_det(wide).to(type);
}

// --- NonMaxSuppression ---

struct Box {
  float y_min, x_min, y_max, x_max;
  float area() const { return (y_max - y_min) * (x_max - x_min); }
};

Box read_box(const float* b, bool center_point) {
  if (center_point) {  // [x_center, y_center, width, height]
    const float half_w = b[2] / 2, half_h = b[3] / 2;
    return {b[1] - half_h, b[0] - half_w, b[1] + half_h, b[0] + half_w};
  }
  // [y1, x1, y2, x2], any two diagonal corners
  return {std::min(b[0], b[2]), std::min(b[1], b[3]), std::max(b[0], b[2]), std::max(b[1], b[3])};
}

bool overlaps_more_than(const Box& a, const Box& b, float threshold) {
  const float area_a = a.area(), area_b = b.area();
  if (area_a <= 0 || area_b <= 0) return false;
  const float height = std::min(a.y_max, b.y_max) - std::max(a.y_min, b.y_min);
  const float width = std::min(a.x_max, b.x_max) - std::max(a.x_min, b.x_min);
  if (height <= 0 || width <= 0) return false;
  const float intersection = height * width;
  return intersection / (area_a + area_b - intersection) > threshold;
}

KernelFactory non_max_suppression() {
  return [](const KernelInit& init) -> Kernel {
    const bool center_point = init.node.attr_int("center_point_box", 0) != 0;
    const std::string where = init.where();
    return [center_point, where](KernelContext& ctx) -> Tensors {
      const at::Tensor boxes = ctx.inputs.at(0).to(at::kFloat).contiguous();
      const at::Tensor scores = ctx.inputs.at(1).to(at::kFloat).contiguous();
      if (boxes.dim() != 3 || boxes.size(2) != 4 || scores.dim() != 3 ||
          scores.size(0) != boxes.size(0) || scores.size(2) != boxes.size(1))
        throw Error(where + ": boxes " + c10::str(boxes.sizes()) + " and scores " +
                    c10::str(scores.sizes()) +
                    " do not fit; expected [batches, boxes, 4] and [batches, classes, boxes]");
      auto scalar = [&ctx](std::size_t i) { return ctx.inputs[i].reshape({-1}); };
      const int64_t max_per_class = ctx.has(2) ? scalar(2).item<int64_t>() : 0;
      const float iou_threshold = ctx.has(3) ? scalar(3).item<float>() : 0.0f;
      std::optional<float> score_threshold;
      if (ctx.has(4)) score_threshold = scalar(4).item<float>();
      if (iou_threshold < 0 || iou_threshold > 1)
        throw Error(where + ": iou_threshold " + std::to_string(iou_threshold) +
                    " is outside [0, 1]");

      const int64_t batches = boxes.size(0), count = boxes.size(1), classes = scores.size(1);
      const float* box_data = boxes.data_ptr<float>();
      const float* score_data = scores.data_ptr<float>();
      std::vector<int64_t> selected;  // triples (batch, class, box)
      std::vector<Box> batch_boxes(count);
      for (int64_t n = 0; max_per_class > 0 && n < batches; ++n) {
        for (int64_t i = 0; i < count; ++i)
          batch_boxes[i] = read_box(box_data + (n * count + i) * 4, center_point);
        for (int64_t c = 0; c < classes; ++c) {
          const float* s = score_data + (n * classes + c) * count;
          std::vector<int64_t> candidates;
          for (int64_t i = 0; i < count; ++i)
            if (!score_threshold || s[i] > *score_threshold) candidates.push_back(i);
          // Highest score first; among equal scores the lower box index wins.
          std::stable_sort(candidates.begin(), candidates.end(),
                           [s](int64_t a, int64_t b) { return s[a] > s[b]; });
          std::vector<int64_t> kept;
          for (int64_t i : candidates) {
            if (static_cast<int64_t>(kept.size()) >= max_per_class) break;
            const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](int64_t k) {
              return overlaps_more_than(batch_boxes[k], batch_boxes[i], iou_threshold);
            });
            if (!suppressed) kept.push_back(i);
          }
          for (int64_t i : kept) selected.insert(selected.end(), {n, c, i});
        }
      }
      const auto rows = static_cast<int64_t>(selected.size() / 3);
      return {at::tensor(selected, at::TensorOptions().dtype(at::kLong)).view({rows, 3})};
    };
  };
}

// --- RoiAlign ---

struct RoiAlignParams {
  bool max_mode = false;
  int64_t out_h = 1, out_w = 1;
  int64_t sampling_ratio = 0;
  double spatial_scale = 1.0;
  bool half_pixel = true;  // opset 16's default; opset 10 behaves as output_half_pixel
};

// One bilinear sample: four input offsets (within a channel plane) and their weights; all
// weights are 0 for a sample outside the feature map.
template <typename T>
struct Sample {
  int64_t pos[4] = {0, 0, 0, 0};
  T w[4] = {0, 0, 0, 0};
};

// The samples of every output bin of one roi, in (bin row, bin col, grid y, grid x) order.
template <typename T>
std::vector<Sample<T>> roi_samples(const RoiAlignParams& p, const T* roi, int64_t height,
                                   int64_t width, int64_t& grid_h, int64_t& grid_w) {
  const T offset = p.half_pixel ? T(0.5) : T(0);
  const T scale = static_cast<T>(p.spatial_scale);
  const T start_w = roi[0] * scale - offset, start_h = roi[1] * scale - offset;
  const T end_w = roi[2] * scale - offset, end_h = roi[3] * scale - offset;
  T roi_w = end_w - start_w, roi_h = end_h - start_h;
  if (!p.half_pixel) {  // the legacy behaviour forces rois to be at least 1x1
    roi_w = std::max(roi_w, T(1));
    roi_h = std::max(roi_h, T(1));
  }
  const T bin_h = roi_h / static_cast<T>(p.out_h), bin_w = roi_w / static_cast<T>(p.out_w);
  grid_h = p.sampling_ratio > 0 ? p.sampling_ratio
                                : static_cast<int64_t>(std::ceil(roi_h / static_cast<T>(p.out_h)));
  grid_w = p.sampling_ratio > 0 ? p.sampling_ratio
                                : static_cast<int64_t>(std::ceil(roi_w / static_cast<T>(p.out_w)));
  std::vector<Sample<T>> samples;
  samples.reserve(p.out_h * p.out_w * std::max<int64_t>(grid_h * grid_w, 0));
  for (int64_t ph = 0; ph < p.out_h; ++ph)
    for (int64_t pw = 0; pw < p.out_w; ++pw)
      for (int64_t iy = 0; iy < grid_h; ++iy) {
        const T yy = start_h + ph * bin_h + (iy + T(0.5)) * bin_h / static_cast<T>(grid_h);
        for (int64_t ix = 0; ix < grid_w; ++ix) {
          const T xx = start_w + pw * bin_w + (ix + T(0.5)) * bin_w / static_cast<T>(grid_w);
          Sample<T> s;
          if (yy < -1 || yy > height || xx < -1 || xx > width) {
            samples.push_back(s);  // outside: contributes 0
            continue;
          }
          T y = std::max(yy, T(0)), x = std::max(xx, T(0));
          auto y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x);
          int64_t y_high, x_high;
          if (y_low >= height - 1) {
            y_high = y_low = height - 1;
            y = static_cast<T>(y_low);
          } else {
            y_high = y_low + 1;
          }
          if (x_low >= width - 1) {
            x_high = x_low = width - 1;
            x = static_cast<T>(x_low);
          } else {
            x_high = x_low + 1;
          }
          const T ly = y - y_low, lx = x - x_low, hy = 1 - ly, hx = 1 - lx;
          s.pos[0] = y_low * width + x_low;
          s.pos[1] = y_low * width + x_high;
          s.pos[2] = y_high * width + x_low;
          s.pos[3] = y_high * width + x_high;
          s.w[0] = hy * hx;
          s.w[1] = hy * lx;
          s.w[2] = ly * hx;
          s.w[3] = ly * lx;
          samples.push_back(s);
        }
      }
  return samples;
}

template <typename T>
void roi_align_impl(const RoiAlignParams& p, const at::Tensor& x, const at::Tensor& rois,
                    const std::vector<int64_t>& batch_index, at::Tensor& y) {
  const int64_t channels = x.size(1), height = x.size(2), width = x.size(3);
  const int64_t plane = height * width, bins = p.out_h * p.out_w;
  const T* x_data = x.data_ptr<T>();
  const T* roi_data = rois.data_ptr<T>();
  T* y_data = y.data_ptr<T>();
  for (int64_t n = 0; n < rois.size(0); ++n) {
    int64_t grid_h = 0, grid_w = 0;
    const std::vector<Sample<T>> samples =
        roi_samples<T>(p, roi_data + n * 4, height, width, grid_h, grid_w);
    const int64_t per_bin = grid_h * grid_w;
    const T count = static_cast<T>(std::max<int64_t>(per_bin, 1));
    for (int64_t c = 0; c < channels; ++c) {
      const T* in = x_data + (batch_index[n] * channels + c) * plane;
      T* out = y_data + (n * channels + c) * bins;
      for (int64_t bin = 0; bin < bins; ++bin) {
        const Sample<T>* s = samples.data() + bin * per_bin;
        T acc = 0;
        for (int64_t k = 0; k < per_bin; ++k) {
          const Sample<T>& q = s[k];
          if (p.max_mode) {
            // As the reference runtimes do: the largest weighted corner, maxed over samples.
            const T v = std::max(std::max(q.w[0] * in[q.pos[0]], q.w[1] * in[q.pos[1]]),
                                 std::max(q.w[2] * in[q.pos[2]], q.w[3] * in[q.pos[3]]));
            acc = k == 0 ? v : std::max(acc, v);
          } else {
            acc += q.w[0] * in[q.pos[0]] + q.w[1] * in[q.pos[1]] + q.w[2] * in[q.pos[2]] +
                   q.w[3] * in[q.pos[3]];
          }
        }
        out[bin] = p.max_mode ? acc : acc / count;
      }
    }
  }
}

KernelFactory roi_align() {
  return [](const KernelInit& init) -> Kernel {
    const Node& node = init.node;
    RoiAlignParams p;
    const std::string mode = node.attr_string("mode", "avg");
    if (mode != "avg" && mode != "max")
      fail(init, "unknown mode '" + mode + "'; expected avg or max");
    p.max_mode = mode == "max";
    p.out_h = node.attr_int("output_height", 1);
    p.out_w = node.attr_int("output_width", 1);
    p.sampling_ratio = node.attr_int("sampling_ratio", 0);
    p.spatial_scale = node.attr_float("spatial_scale", 1.0);
    if (p.out_h < 1 || p.out_w < 1) fail(init, "output_height and output_width must be >= 1");
    if (p.sampling_ratio < 0) fail(init, "sampling_ratio must be >= 0");
    const std::string coordinates = node.attr_string(
        "coordinate_transformation_mode", init.opset >= 16 ? "half_pixel" : "output_half_pixel");
    if (coordinates != "half_pixel" && coordinates != "output_half_pixel")
      fail(init, "unknown coordinate_transformation_mode '" + coordinates +
                     "'; expected half_pixel or output_half_pixel");
    p.half_pixel = coordinates == "half_pixel";
    const std::string where = init.where();
    return [p, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x_in = ctx.inputs.at(0);
      const at::ScalarType type = x_in.scalar_type();
      const at::ScalarType compute = type == at::kDouble ? at::kDouble : at::kFloat;
      const at::Tensor x = x_in.to(compute).contiguous();
      const at::Tensor rois = ctx.inputs.at(1).to(compute).contiguous();
      const std::vector<int64_t> batch_index = to_int64_vector(ctx.inputs.at(2).reshape({-1}));
      if (x.dim() != 4) throw Error(where + ": X must have rank 4 (N, C, H, W)");
      if (rois.dim() != 2 || rois.size(1) != 4 ||
          static_cast<int64_t>(batch_index.size()) != rois.size(0))
        throw Error(where + ": rois " + c10::str(rois.sizes()) + " and batch_indices of " +
                    std::to_string(batch_index.size()) +
                    " do not fit; expected [num_rois, 4] and [num_rois]");
      for (int64_t b : batch_index)
        if (b < 0 || b >= x.size(0))
          throw Error(where + ": batch index " + std::to_string(b) + " is outside [0, " +
                      std::to_string(x.size(0)) + ")");
      at::Tensor y = at::empty({rois.size(0), x.size(1), p.out_h, p.out_w}, x.options());
      if (compute == at::kDouble)
        roi_align_impl<double>(p, x, rois, batch_index, y);
      else
        roi_align_impl<float>(p, x, rois, batch_index, y);
      return {y.to(type)};
    };
  };
}

}  // namespace

void register_misc_ops(OpRegistry& registry) {
  registry.add("EyeLike", 9, eye_like());
  registry.add("RandomNormal", 1, random_factory(Distribution::Normal, false));
  registry.add("RandomUniform", 1, random_factory(Distribution::Uniform, false));
  registry.add("RandomNormalLike", 1, random_factory(Distribution::Normal, true));
  registry.add("RandomUniformLike", 1, random_factory(Distribution::Uniform, true));
  registry.add("Bernoulli", 15, bernoulli());
  registry.add("Multinomial", 7, multinomial());
  registry.add("Det", 11, unary_kernel(determinant));
  registry.add("NonMaxSuppression", 10, non_max_suppression());
  // 16 added coordinate_transformation_mode (default half_pixel; 10 behaved as output_half_pixel).
  registry.add("RoiAlign", 10, roi_align());
}

}  // namespace layerscope::runtime
