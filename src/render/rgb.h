#pragma once
// One 8-bit RGB colour, shared by the colormaps and the plot canvas.
#include <cstdint>

namespace layerscope::render {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& other) const { return r == other.r && g == other.g && b == other.b; }
  bool operator!=(const Rgb& other) const { return !(*this == other); }
};

// 0xRRGGBB
constexpr Rgb rgb(uint32_t hex) {
  return Rgb{static_cast<uint8_t>(hex >> 16), static_cast<uint8_t>(hex >> 8),
             static_cast<uint8_t>(hex)};
}

}  // namespace layerscope::render
