#pragma once
// PNG encoding for image summaries, projector sprites, plots and report thumbnails.
#include <cstdint>
#include <string>

namespace layerscope::tensorboard {

// Fast: deflate level 1 (libdeflate), no row filter (images logged for every layer and input,
// where deflate time matters). Small: every row filter tried and zlib level 9 (plots
// written once, often kept), several times smaller on flat colours and text.
enum class PngCompression { Fast, Small };

// `pixels` is height x width x channels bytes, row-major, channels interleaved: 1 gray,
// 2 gray+alpha, 3 RGB, 4 RGBA. Throws Error naming `what` (e.g. "image 'conv1'") on failure.
std::string encode_png(const uint8_t* pixels, int height, int width, int channels,
                       const std::string& what, PngCompression compression = PngCompression::Fast);

}  // namespace layerscope::tensorboard
