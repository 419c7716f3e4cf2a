// Layers that reshape images without weights: ZeroPadding1D/2D/3D, Cropping1D/2D/3D and
// UpSampling1D/2D/3D. Kernels get per-axis amounts "begin" and "end" (padding, cropping) or
// "size" (upsampling factors), one per spatial axis.
#include "frontends/keras/layers/image_layers.h"

namespace layerscope::keras {
namespace {

// Keras's forms of per-axis amounts: n (all sides), [a, b, ...] (both sides of each axis) or
// [[begin, end], ...]; for one axis also [begin, end].
void read_amounts(LayerContext& ctx, const std::string& key, std::size_t rank, int64_t fallback,
                  std::vector<int64_t>& begin, std::vector<int64_t>& end) {
  begin.assign(rank, fallback);
  end.assign(rank, fallback);
  if (!ctx.has(key)) return;
  const nlohmann::json& v = ctx.config.at(key);
  auto bad = [&]() {
    ctx.fail("config '" + key + "' is " + v.dump() + "; expected an integer, " +
             std::to_string(rank) + " integers or " + std::to_string(rank) + " pairs of integers");
  };
  auto integer = [&](const nlohmann::json& e) -> int64_t {
    if (!e.is_number_integer() || e.get<int64_t>() < 0) bad();
    return e.get<int64_t>();
  };
  if (v.is_number_integer()) {
    begin.assign(rank, integer(v));
    end = begin;
    return;
  }
  if (!v.is_array()) bad();
  if (rank == 1 && v.size() == 2 && v[0].is_number_integer()) {
    begin = {integer(v[0])};
    end = {integer(v[1])};
    return;
  }
  if (v.size() != rank) bad();
  for (std::size_t i = 0; i < rank; ++i) {
    if (v[i].is_array()) {
      if (v[i].size() != 2) bad();
      begin[i] = integer(v[i][0]);
      end[i] = integer(v[i][1]);
    } else {
      begin[i] = end[i] = integer(v[i]);
    }
  }
}

LayerSpecFn zero_padding(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const KShape& in = image_input(ctx, rank, false);
    std::vector<int64_t> begin, end;
    read_amounts(ctx, "padding", rank, 1, begin, end);
    KShape out = in;
    for (std::size_t i = 0; i < rank; ++i)
      if (in[i + 1] >= 0) out[i + 1] = in[i + 1] + begin[i] + end[i];
    LayerPlan plan;
    plan.outputs = {out};
    plan.attributes["begin"] = ints_attr(begin);
    plan.attributes["end"] = ints_attr(end);
    return plan;
  };
}

LayerSpecFn cropping(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const KShape& in = image_input(ctx, rank, false);
    std::vector<int64_t> begin, end;
    read_amounts(ctx, "cropping", rank, 0, begin, end);
    KShape out = in;
    for (std::size_t i = 0; i < rank; ++i) {
      if (in[i + 1] < 0) continue;
      out[i + 1] = in[i + 1] - begin[i] - end[i];
      if (out[i + 1] <= 0)
        ctx.fail("cropping " + kshape_string(begin) + " / " + kshape_string(end) +
                 " leaves nothing of the input " + kshape_string(in));
    }
    LayerPlan plan;
    plan.outputs = {out};
    plan.attributes["begin"] = ints_attr(begin);
    plan.attributes["end"] = ints_attr(end);
    return plan;
  };
}

LayerSpecFn upsampling(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const KShape& in = image_input(ctx, rank, false);
    const std::vector<int64_t> size = ctx.get_ints("size", rank, std::vector<int64_t>(rank, 2));
    for (int64_t s : size)
      if (s <= 0) ctx.fail("size " + kshape_string(size) + " must be positive");
    // tf.image.resize's bilinear is half-pixel without antialiasing when enlarging, as ATen's
    // upsample_bilinear2d; its bicubic (a = -0.5) and the other filters have no ATen twin.
    const std::string interpolation = ctx.get_string("interpolation", "nearest");
    if (interpolation != "nearest" && !(rank == 2 && interpolation == "bilinear"))
      ctx.fail("interpolation '" + interpolation + "' is not supported (nearest" +
               (rank == 2 ? ", bilinear)" : ")"));
    KShape out = in;
    for (std::size_t i = 0; i < rank; ++i)
      if (in[i + 1] >= 0) out[i + 1] = in[i + 1] * size[i];
    LayerPlan plan;
    plan.outputs = {out};
    plan.attributes["size"] = ints_attr(size);
    plan.attributes["interpolation"] = string_attr(interpolation);
    return plan;
  };
}

}  // namespace

void register_spatial_layers(LayerSpecs& specs) {
  for (std::size_t rank = 1; rank <= 3; ++rank) {
    const std::string d = std::to_string(rank) + "D";
    specs.add("ZeroPadding" + d, zero_padding(rank));
    specs.add("Cropping" + d, cropping(rank));
    specs.add("UpSampling" + d, upsampling(rank));
  }
}

}  // namespace layerscope::keras
