#include "render/colormap.h"

#include "render/colormap_tables.h"

#include <layerscope/error.h>

#include <utility>

namespace layerscope::render {

Colormap::Colormap(std::string name, const uint8_t* rgb)
    : name_(std::move(name)), table_(rgb), gray_(true) {
  for (int i = 0; i < kSize; ++i)
    gray_ = gray_ && rgb[3 * i] == rgb[3 * i + 1] && rgb[3 * i] == rgb[3 * i + 2];
}

std::vector<std::string> Colormap::names() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < detail::kColormapTableCount; ++i)
    out.push_back(detail::kColormapTables[i].name);
  return out;
}

const Colormap& Colormap::by_name(const std::string& name) {
  // Built once, on first use; never destroyed, so references stay valid at exit.
  static const std::vector<Colormap>* const maps = [] {
    auto* list = new std::vector<Colormap>;
    for (std::size_t i = 0; i < detail::kColormapTableCount; ++i)
      list->push_back(Colormap(detail::kColormapTables[i].name, detail::kColormapTables[i].rgb));
    return list;
  }();
  for (const Colormap& map : *maps)
    if (map.name() == name) return map;
  std::string valid;
  for (const Colormap& map : *maps) valid += (valid.empty() ? "" : ", ") + map.name();
  throw Error("unknown colormap '" + name + "'; expected one of: " + valid);
}

void Colormap::to_rgb(const float* values, std::size_t count, uint8_t* rgb) const {
  for (std::size_t i = 0; i < count; ++i) {
    const Rgb c = (*this)(values[i]);
    rgb[3 * i] = c.r;
    rgb[3 * i + 1] = c.g;
    rgb[3 * i + 2] = c.b;
  }
}

void Colormap::to_gray(const float* values, std::size_t count, uint8_t* gray) const {
  for (std::size_t i = 0; i < count; ++i)
    gray[i] = values[i] != values[i] ? 0 : table_[3 * index(values[i])];
}

}  // namespace layerscope::render
