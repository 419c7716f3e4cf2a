// Preprocessing layers that act at inference: Normalization (mean and variance from the config
// or from its weights), Resizing and CenterCrop on images (channels_last, or channels_first as
// Keras 3's data_format allows).
#include "frontends/keras/layer_spec.h"

#include <algorithm>
#include <set>

namespace layerscope::keras {
namespace {

// A number or a nested list of numbers: its values in row-major order and its shape.
void read_array(LayerContext& ctx, const std::string& key, const nlohmann::json& v,
                std::size_t depth, std::vector<double>& values, KShape& shape) {
  if (v.is_number()) {
    values.push_back(v.get<double>());
    return;
  }
  if (!v.is_array()) ctx.fail("config '" + key + "' holds " + v.dump() + ", not a number");
  if (shape.size() == depth)
    shape.push_back(static_cast<int64_t>(v.size()));
  else if (shape[depth] != static_cast<int64_t>(v.size()))
    ctx.fail("config '" + key + "' is a ragged list");
  for (const auto& e : v) read_array(ctx, key, e, depth + 1, values, shape);
}

// The config's mean or variance broadcast to `kept` (the kept axes' sizes), aligning its axes
// with the last kept axes as Keras does.
std::vector<double> broadcast_statistic(LayerContext& ctx, const std::string& key,
                                        const KShape& kept) {
  std::vector<double> values;
  KShape shape;
  read_array(ctx, key, ctx.config.at(key), 0, values, shape);
  if (shape.size() > kept.size())
    ctx.fail("config '" + key + "' has rank " + std::to_string(shape.size()) + ", more than the " +
             std::to_string(kept.size()) + " normalized axes");
  const std::size_t offset = kept.size() - shape.size();
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && shape[i] != kept[offset + i])
      ctx.fail("config '" + key + "' of shape " + kshape_string(shape) +
               " does not broadcast to the kept axes " + kshape_string(kept));
  int64_t total = 1;
  for (int64_t d : kept) total *= d;
  std::vector<double> out(static_cast<std::size_t>(total));
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat, source = 0, stride = 1;
    for (std::size_t i = kept.size(); i-- > 0;) {
      const int64_t index = rest % kept[i];
      rest /= kept[i];
      if (i >= offset) {
        const int64_t size = shape[i - offset];
        source += (size == 1 ? 0 : index) * stride;
        stride *= size;
      }
    }
    out[static_cast<std::size_t>(flat)] = values[static_cast<std::size_t>(source)];
  }
  return out;
}

LayerPlan normalization(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 1, true);
  const auto rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;  // the kept axes; none (axis None or []): one mean for everything
  if (!ctx.has("axis")) {
    if (!ctx.config.contains("axis")) axes.push_back(-1);
  } else if (ctx.config.at("axis").is_array()) {
    for (const auto& a : ctx.config.at("axis")) {
      if (!a.is_number_integer()) ctx.fail("axis " + ctx.config.at("axis").dump() + " is invalid");
      axes.push_back(a.get<int64_t>());
    }
  } else {
    axes.push_back(ctx.get_int("axis", -1));
  }
  std::set<int64_t> kept_set;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      ctx.fail("axis " + std::to_string(a) + " is outside the input " + kshape_string(in));
    kept_set.insert(a < 0 ? a + rank : a);
  }
  const std::vector<int64_t> kept_axes(kept_set.begin(), kept_set.end());  // sorted, as Keras
  KShape kept, broadcast(in.size(), 1);
  for (int64_t a : kept_axes) {
    if (in[a] < 0)
      ctx.fail("the kept axis " + std::to_string(a) + " of " + kshape_string(in) +
               " must have a known size");
    kept.push_back(in[a]);
    broadcast[a] = in[a];
  }
  LayerPlan plan{{in}, {}, {}, {}};
  plan.attributes["broadcast_shape"] = ints_attr(broadcast);
  plan.attributes["invert"] = int_attr(ctx.get_bool("invert", false));
  const bool given = ctx.has("mean") || ctx.has("variance");
  if (given) {
    if (!ctx.has("mean") || !ctx.has("variance"))
      ctx.fail("the config sets only one of mean and variance");
    Attribute mean, variance;
    mean.kind = variance.kind = Attribute::Kind::Floats;
    mean.floats = broadcast_statistic(ctx, "mean", kept);
    variance.floats = broadcast_statistic(ctx, "variance", kept);
    plan.attributes["mean_values"] = std::move(mean);
    plan.attributes["variance_values"] = std::move(variance);
  } else {
    // What adapt() computed, saved as weights; count only records how many samples it saw.
    plan.weights.push_back({"mean", kept, "vars/0", false});
    plan.weights.push_back({"variance", kept, "vars/1", false});
    plan.weights.push_back({"count", {}, "vars/2", false});
  }
  return plan;
}

struct ImageAxes {
  std::size_t height, width, channels;
};

ImageAxes image_axes(LayerContext& ctx) {
  ctx.input_of_rank(0, 4);
  const std::string format = ctx.get_string("data_format", "channels_last");
  if (format == "channels_last") return {1, 2, 3};
  if (format == "channels_first") return {2, 3, 1};
  ctx.fail("data_format '" + format + "' is neither channels_last nor channels_first");
}

LayerPlan image_output(LayerContext& ctx, const ImageAxes& axes, int64_t height, int64_t width) {
  if (height <= 0 || width <= 0)
    ctx.fail("height and width must be positive, got " + std::to_string(height) + " and " +
             std::to_string(width));
  KShape out = ctx.input(0);
  out[axes.height] = height;
  out[axes.width] = width;
  LayerPlan plan{{out}, {}, {}, {}};
  plan.attributes["height"] = int_attr(height);
  plan.attributes["width"] = int_attr(width);
  plan.attributes["channels_first"] = int_attr(axes.channels == 1);
  return plan;
}

LayerPlan resizing(LayerContext& ctx) {
  const ImageAxes axes = image_axes(ctx);
  LayerPlan plan = image_output(ctx, axes, ctx.get_int("height"), ctx.get_int("width"));
  const std::string interpolation = ctx.get_string("interpolation", "bilinear");
  if (interpolation != "bilinear" && interpolation != "nearest")
    ctx.fail("interpolation '" + interpolation +
             "' is not supported yet (layerscope resizes with 'bilinear' and 'nearest')");
  if (ctx.get_bool("pad_to_aspect_ratio", false))
    ctx.fail("pad_to_aspect_ratio is not supported yet");
  if (ctx.get_bool("antialias", false)) ctx.fail("antialias is not supported yet");
  plan.attributes["interpolation"] = string_attr(interpolation);
  plan.attributes["crop_to_aspect_ratio"] = int_attr(ctx.get_bool("crop_to_aspect_ratio", false));
  return plan;
}

LayerPlan center_crop(LayerContext& ctx) {
  const ImageAxes axes = image_axes(ctx);
  return image_output(ctx, axes, ctx.get_int("height"), ctx.get_int("width"));
}

}  // namespace

void register_preprocessing_layers(LayerSpecs& specs) {
  specs.add("Normalization", normalization);
  specs.add("Resizing", resizing);
  specs.add("CenterCrop", center_crop);
}

}  // namespace layerscope::keras
