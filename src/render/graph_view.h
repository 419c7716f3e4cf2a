#pragma once
// What `layerscope graph` draws, before any layout: the graph IR turned into boxes, groups and
// labelled edges.
//
//   GraphView view = build_graph_view(model.graph, ViewOptions{});
//   for (const ViewItem& item : view.items) std::cout << item.title << "\n";
//
// Nodes are grouped by name scope ("layer1/layer1.0/conv1"), one group per '/'-separated prefix;
// a group holding a single thing is dissolved into its parent, and a chain of groups holding one
// group each is merged into one ("encoder/layers"). Groups deeper than the chosen depth are shown
// as one box with their op counts and the shapes that enter and leave. Weights and constants are
// not drawn: they fold into the label of the node that reads them. If/Loop bodies are nested
// groups. A group with more than `chunk_size` children is split into consecutive parts, so that
// no single layout call gets a huge flat graph.
//
// Every string in the view is valid UTF-8 without control characters, and each label line is at
// most `max_line_chars` characters: writers only escape for their format.
#include "graph/op_catalog.h"

#include <layerscope/graph.h>

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace layerscope::render {

// Ops are coloured by their category in graph/op_catalog.h (OpCategory, op_category).

struct ViewOptions {
  // Groups nested deeper than this are collapsed into boxes (0: only the top-level groups show,
  // as boxes). Negative: the deepest depth that keeps the drawing within `auto_item_budget`.
  int depth = -1;
  std::size_t auto_item_budget = 2000;
  std::string expand;  // ECMAScript regex: groups whose path (or a node inside) matches stay open
  std::string highlight;              // ECMAScript regex on node name, op type or group path
  std::size_t chunk_size = 120;       // most children a group shows before it is split in parts
  std::size_t max_line_chars = 64;    // longer label lines end in "…"
  std::size_t max_shapes_listed = 3;  // a box lists this many input/output shapes, then "+N more"
  // Formal name of a node's input (e.g. "W" for Conv's input 1, "kernel" for a Keras Dense's),
  // used for folded weights; the caller knows the formats (layerscope::formal_input_name). Empty
  // result or no function: "in1", "in2", ...
  std::function<std::string(const Graph&, const Node&, std::size_t input)> input_name;
};

enum class ItemKind { Op, Group, Input, Output };

// One box of the drawing.
struct ViewItem {
  ItemKind kind = ItemKind::Op;
  int parent = 0;                  // the expanded group it is drawn in (0 = the whole graph)
  int group = -1;                  // ItemKind::Group: the collapsed group it stands for
  std::string title;               // op type, group name or "input"/"output"
  std::string name;                // node or value name in full ("" for a group's box)
  std::vector<std::string> lines;  // name, attributes, folded weights, counts, shapes
  OpCategory category = OpCategory::Other;
  bool highlighted = false;
};

struct ViewGroup {
  std::string name;       // shown: the scope component(s), "then_branch", "part 2/9"
  std::string path;       // full scope path, for --expand and --highlight
  int parent = -1;        // -1 for the root
  int level = 0;          // 0 for the root, 1 for top-level groups
  bool expanded = false;  // drawn open (as a cluster); else a box or hidden inside one
  bool visible = false;   // expanded, or the box standing for it is drawn
  bool subgraph = false;  // an If/Loop/Scan body
  bool part = false;      // one of the consecutive parts a wide group was split into
  bool highlighted = false;
  std::vector<int> groups;               // child groups, in graph order
  std::vector<int> items;                // items drawn directly inside (when expanded)
  std::map<std::string, int> op_counts;  // every op inside, recursively
  int op_total = 0;
};

// Data flowing from one box to another: one edge per (value, source box, target box).
struct ViewEdge {
  int from = -1;  // item indices
  int to = -1;
  std::string value;  // value name
  std::string label;  // "1×64×56×56 float32"
};

struct GraphView {
  std::string name;
  std::vector<ViewGroup> groups;  // groups[0] is the whole graph
  std::vector<ViewItem> items;
  std::vector<ViewEdge> edges;
  int depth = 0;         // depth used (after the automatic choice)
  int max_depth = 0;     // deepest group level in the graph
  int op_count = 0;      // ops in the model, subgraphs included, folded constants excluded
  int folded_count = 0;  // Constant nodes folded into their readers
};

// Throws Error on a bad regex.
GraphView build_graph_view(const Graph& graph, const ViewOptions& options);

// Display helpers, shared with the writers.
std::string sanitize_text(const std::string& text, std::size_t max_chars);  // UTF-8, no controls
std::string shape_label(const std::optional<StaticShape>& shape);           // "1×3×224×224"

}  // namespace layerscope::render
