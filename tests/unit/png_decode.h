#pragma once
// Decodes PNGs with libpng in tests, as any viewer would, in their stored format (gray stays
// gray): the channel count is part of what the tests check. A PNG libpng refuses is a test failure.
#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::test {

struct DecodedPng {
  int width = 0, height = 0, channels = 0;
  bool color = false;
  std::vector<uint8_t> pixels;  // row-major, `channels` interleaved
};

DecodedPng decode_png(const std::string& bytes);
DecodedPng decode_png_file(const std::string& path);

}  // namespace layerscope::test
