// Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global poolings. The kernels
// get "pool_size" and "strides" of the layer's rank (strides default to the pool size, as in
// Keras) and "padding" valid or same.
#include "frontends/keras/layers/image_layers.h"

namespace layerscope::keras {
namespace {

LayerSpecFn pooling(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const KShape& in = image_input(ctx, rank, false);
    const std::vector<int64_t> pool =
        ctx.get_ints("pool_size", rank, std::vector<int64_t>(rank, 2));
    const std::vector<int64_t> strides = ctx.get_ints("strides", rank, pool);
    for (std::size_t i = 0; i < rank; ++i)
      if (pool[i] <= 0 || strides[i] <= 0)
        ctx.fail("pool_size " + kshape_string(pool) + " and strides " + kshape_string(strides) +
                 " must be positive");
    const std::string padding = ctx.get_string("padding", "valid");
    if (padding != "valid" && padding != "same")
      ctx.fail("padding '" + padding + "' is neither valid nor same");
    KShape out{in[0]};
    for (std::size_t i = 0; i < rank; ++i) {
      out.push_back(window_output(in[i + 1], pool[i], strides[i], 1, padding));
      if (out.back() == 0)
        ctx.fail("the pool window is larger than the input " + kshape_string(in));
    }
    out.push_back(in.back());
    LayerPlan plan;
    plan.outputs = {out};
    plan.attributes["pool_size"] = ints_attr(pool);
    plan.attributes["strides"] = ints_attr(strides);
    plan.attributes["padding"] = string_attr(padding);
    return plan;
  };
}

LayerSpecFn global_pooling(std::size_t rank) {
  return [rank](LayerContext& ctx) {
    const KShape& in = image_input(ctx, rank, false);
    const bool keepdims = ctx.get_bool("keepdims", false);
    KShape out{in[0]};
    if (keepdims) out.insert(out.end(), rank, 1);
    out.push_back(in.back());
    LayerPlan plan;
    plan.outputs = {out};
    plan.attributes["keepdims"] = int_attr(keepdims);
    return plan;
  };
}

}  // namespace

void register_pool_layers(LayerSpecs& specs) {
  for (std::size_t rank = 1; rank <= 3; ++rank) {
    const std::string d = std::to_string(rank) + "D";
    specs.add("MaxPooling" + d, pooling(rank));
    specs.add("AveragePooling" + d, pooling(rank));
    specs.add("GlobalMaxPooling" + d, global_pooling(rank));
    specs.add("GlobalAveragePooling" + d, global_pooling(rank));
  }
}

}  // namespace layerscope::keras
