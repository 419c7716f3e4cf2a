#pragma once
// Tensor files: numpy .npy (read and write) and images as model inputs.
//
//   layerscope::Tensor x = layerscope::read_npy("input.npy");
//   layerscope::write_npy("copy.npy", x);
#include <layerscope/tensor.h>

#include <string>

namespace layerscope {

// Every dtype numpy writes that layerscope has (bool, ints, uints, float16/32/64, complex), little
// or big endian, C order. Throws Error naming the file for anything else.
Tensor read_npy(const std::string& path);
// Format version 1.0; bfloat16 (which numpy lacks) is written as float32.
void write_npy(const std::string& path, const Tensor& tensor);

struct ImageReadOptions {
  int64_t height = 0;  // 0 keeps the image's own size
  int64_t width = 0;
  int64_t channels = 3;        // 1 (gray), 3 (RGB) or 4 (RGBA); the image is converted
  bool channels_last = false;  // NHWC instead of NCHW
};
// Reads a PNG or JPEG as float32 in [0, 1], shape [1,C,H,W] (or [1,H,W,C]), resized bilinearly.
Tensor read_image(const std::string& path, const ImageReadOptions& layout);

}  // namespace layerscope
