#pragma once
// The generated lookup tables behind render::Colormap (src/render/colormap_tables.cpp, written by
// tools/make_colormaps.py).
#include <cstddef>
#include <cstdint>

namespace layerscope::render::detail {

struct ColormapTable {
  const char* name;
  const uint8_t* rgb;  // 256 colors, R G B interleaved
};

extern const ColormapTable kColormapTables[];
extern const std::size_t kColormapTableCount;

}  // namespace layerscope::render::detail
