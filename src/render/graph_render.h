#pragma once
// Draws a GraphView: DOT text written here, SVG and PNG laid out with Graphviz's library.
//
//   const GraphView view = build_graph_view(model.graph, {});
//   write_graph(view, RenderOptions{}, "model.svg");
//
// The layout is computed group by group, innermost first: each open group is one `dot` call over
// its own boxes, with each open child group as a single fixed-size node carrying one port per value
// that enters or leaves it. The drawings are then placed inside each other and the edges joined
// through the ports, so the cost follows the groups shown, and a wide model never becomes one huge
// flat layout. Graphviz then draws the placed result (its `nop2` engine: positions as given).
// The group layouts run in forked child processes (see LayoutBuilder::layout for why), several
// at once on disjoint parts of the model.
#include "render/graph_view.h"

#include <string>

namespace layerscope::render {

struct RenderOptions {
  bool left_to_right = false;  // --rankdir LR
  bool shapes = true;          // shape and dtype on each edge
  int processes = 2;           // group layouts running at once, each in its own process
};

// The view as a DOT graph with one cluster per open group, every string escaped.
std::string to_dot(const GraphView& view, const RenderOptions& options);

// Writes `path` in the format its extension names: .dot, .svg or .png. Throws Error for another
// extension or a file that cannot be written.
void write_graph(const GraphView& view, const RenderOptions& options, const std::string& path);

// Fill colour of an op's box ("#aec7e8"), shared by the SVG and the HTML page.
const char* category_color(OpCategory category);

// Lowercase extension of `path` without the dot ("svg"), or "".
std::string file_extension(const std::string& path);

}  // namespace layerscope::render
