// GraphView -> one self-contained HTML page (see graph_html.h).
#include "render/graph_html.h"

#include "render/html_page.h"
#include "render/web_assets.h"

#include <layerscope/error.h>

#include <nlohmann/json.hpp>

namespace layerscope::render {
namespace {

using nlohmann::json;

const char* kind_name(ItemKind kind) {
  switch (kind) {
    case ItemKind::Op:
      return "op";
    case ItemKind::Group:
      return "group";
    case ItemKind::Input:
      return "input";
    case ItemKind::Output:
      return "output";
  }
  return "op";
}

void check_same_groups(const GraphView& full, const GraphView& initial) {
  bool same = full.groups.size() == initial.groups.size();
  for (std::size_t g = 0; same && g < full.groups.size(); ++g)
    same = full.groups[g].path == initial.groups[g].path;
  if (!same) throw Error("graph page: the full and the initial view come from different graphs");
  for (const ViewItem& item : full.items)
    if (item.kind == ItemKind::Group)
      throw Error("graph page: the full view has collapsed groups; build it with kFullDepth");
}

}  // namespace

std::string graph_page_json(const GraphView& full, const GraphView& initial,
                            const RenderOptions& options) {
  check_same_groups(full, initial);
  json page;
  page["name"] = full.name;
  page["rankdir"] = options.left_to_right ? "LR" : "TB";
  page["shapes"] = options.shapes;
  page["depth"] = initial.depth;
  page["max_depth"] = full.max_depth;
  page["op_count"] = full.op_count;
  page["folded_count"] = full.folded_count;
  json categories = json::object();
  for (OpCategory c : {OpCategory::Convolution, OpCategory::Linear, OpCategory::Normalization,
                       OpCategory::Activation, OpCategory::Pooling, OpCategory::Shape,
                       OpCategory::Elementwise, OpCategory::ControlFlow, OpCategory::Other})
    categories[category_name(c)] = category_color(c);
  page["categories"] = std::move(categories);

  json groups = json::array();
  for (std::size_t g = 0; g < full.groups.size(); ++g) {
    const ViewGroup& group = full.groups[g];
    groups.push_back({{"name", group.name},
                      {"path", group.path},
                      {"parent", group.parent},
                      {"level", group.level},
                      {"expanded", initial.groups[g].expanded},
                      {"subgraph", group.subgraph},
                      {"part", group.part},
                      {"highlighted", group.highlighted},
                      {"groups", group.groups},
                      {"items", group.items},
                      {"op_counts", group.op_counts},
                      {"op_total", group.op_total}});
  }
  page["groups"] = std::move(groups);

  json items = json::array();
  for (const ViewItem& item : full.items)
    items.push_back({{"kind", kind_name(item.kind)},
                     {"parent", item.parent},
                     {"title", item.title},
                     {"name", item.name},
                     {"lines", item.lines},
                     {"category", category_name(item.category)},
                     {"highlighted", item.highlighted}});
  page["items"] = std::move(items);

  json edges = json::array();
  for (const ViewEdge& edge : full.edges)
    edges.push_back(
        {{"from", edge.from}, {"to", edge.to}, {"value", edge.value}, {"label", edge.label}});
  page["edges"] = std::move(edges);
  // The view's strings are valid UTF-8 already; replacing is only a guard against a crash.
  return page.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string graph_page_html(const GraphView& full, const GraphView& initial,
                            const RenderOptions& options) {
  return offline_page((full.name.empty() ? "graph" : full.name) + " — layerscope",
                      web_assets::graph_page_style(), web_assets::graph_page_script(),
                      {{"layerscope-graph", graph_page_json(full, initial, options)}});
}

void write_graph_html(const GraphView& full, const GraphView& initial, const RenderOptions& options,
                      const std::string& path) {
  write_page(path, graph_page_html(full, initial, options));
}

}  // namespace layerscope::render
