#pragma once
// Scatter plots of 2-D embeddings as PNG: points coloured by category with a colour-blind-safe
// palette (Okabe-Ito up to 8 categories, Tableau 10 up to 10, then Tableau 10 with four marker
// shapes), a legend, axes with ticks and numbers, and a title.
//
//   render::ScatterOptions o;
//   o.title = "t-SNE of fc1";
//   render::draw_scatter(xy.data(), n, 2, category, {"cat", "dog"}, o).write_png("out.png");
#include "render/plot_axes.h"

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope::render {

struct ScatterOptions {
  std::string title;
  std::string x_label = "dimension 1";
  std::string y_label = "dimension 2";
  int width = 960;
  int height = 720;
  bool equal_aspect = true;  // one unit is as long on both axes (right for embeddings)
};

// Point i is (points[i * stride], points[i * stride + 1]). `category[i]` indexes
// `category_names`; with no categories every point has one colour and there is no legend.
// Throws Error for a category out of range or a non-finite coordinate.
Canvas draw_scatter(const float* points, int64_t count, int stride,
                    const std::vector<int32_t>& category,
                    const std::vector<std::string>& category_names, const ScatterOptions& options);

// The colour and marker of category `index` among `count` categories.
Rgb category_colour(int index, int count);
Marker category_marker(int index, int count);

}  // namespace layerscope::render
