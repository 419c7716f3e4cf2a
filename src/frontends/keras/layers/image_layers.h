#pragma once
// What the convolution, pooling and padding/cropping/upsampling specs share: their inputs are
// channels_last images (batch, spatial..., channels), the only layout the Keras kernels run.
#include "frontends/keras/layer_spec.h"

namespace layerscope::keras {

inline void require_channels_last(LayerContext& ctx) {
  const std::string format = ctx.get_string("data_format", "channels_last");
  if (format != "channels_last")
    ctx.fail("data_format '" + format + "' is not supported (only channels_last)");
}

// The input, of rank `spatial_rank` + 2, with a known channel count when `known_channels`.
inline const KShape& image_input(LayerContext& ctx, std::size_t spatial_rank,
                                 bool known_channels = true) {
  require_channels_last(ctx);
  const KShape& in = ctx.input_of_rank(0, spatial_rank + 2);
  if (known_channels && in.back() < 0)
    ctx.fail("the channel dimension must be known, got " + kshape_string(in));
  return in;
}

}  // namespace layerscope::keras
