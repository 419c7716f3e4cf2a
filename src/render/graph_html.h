#pragma once
// The interactive HTML view of a model's graph: one offline file (no network request of any kind)
// holding the graph as JSON and the bundled viewer (web/src/graph_page.js, built into the library).
//
//   ViewOptions all = options;
//   all.depth = kFullDepth;
//   write_graph_html(build_graph_view(graph, all), build_graph_view(graph, options), {}, "m.html");
//
// The page gets the whole hierarchy (`full`: every group open, every op a box) and the groups the
// user asked to see open at first (`initial`, the view the SVG would draw); it lays out and opens
// or closes groups in the browser. Both views must come from the same graph.
#include "render/graph_render.h"
#include "render/graph_view.h"
#include "render/html_page.h"

#include <limits>
#include <string>

namespace layerscope::render {

constexpr int kFullDepth = std::numeric_limits<int>::max();

// The page's data: {name, rankdir, shapes, depth, max_depth, op_count, folded_count, categories
// {name: colour}, groups [{name, path, parent, level, expanded, subgraph, part, highlighted,
// groups, items, op_counts, op_total}], items [{kind, parent, title, name, lines, category,
// highlighted}], edges [{from, to, value, label}]}. Throws Error if the views do not match.
std::string graph_page_json(const GraphView& full, const GraphView& initial,
                            const RenderOptions& options);

// The whole page, the JSON made safe to sit inside <script>.
std::string graph_page_html(const GraphView& full, const GraphView& initial,
                            const RenderOptions& options);

// Writes the page; throws Error naming the file when it cannot be written.
void write_graph_html(const GraphView& full, const GraphView& initial, const RenderOptions& options,
                      const std::string& path);

}  // namespace layerscope::render
