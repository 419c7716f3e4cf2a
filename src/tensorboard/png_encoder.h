#pragma once
// PNG encoding (libpng's simplified API) for image summaries and projector sprites.
#include <cstdint>
#include <string>

namespace layerscope::tensorboard {

// `pixels` is height x width x channels bytes, row-major, channels interleaved: 1 gray,
// 2 gray+alpha, 3 RGB, 4 RGBA. Throws Error naming `what` (e.g. "image 'conv1'") on failure.
std::string encode_png(const uint8_t* pixels, int height, int width, int channels,
                       const std::string& what);

}  // namespace layerscope::tensorboard
