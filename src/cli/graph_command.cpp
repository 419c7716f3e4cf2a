// layerscope graph MODEL -o OUT: the whole model drawn, grouped by name scope (nothing runs).
#include "cli/commands.h"
#include "cli/model_option.h"
#include "render/graph_html.h"
#include "render/graph_render.h"
#include "render/graph_view.h"

#include <layerscope/error.h>
#include <layerscope/model.h>
#include <layerscope/onnx.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

namespace layerscope::cli {
namespace {

struct GraphOptions {
  ModelOption model;
  std::string output;
  int depth = -1;
  std::string expand;
  std::string highlight;
  std::string rankdir = "TB";
  bool no_shapes = false;
};

int run_graph(const GraphOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::string ext = render::file_extension(options.output);
  if (ext != "svg" && ext != "png" && ext != "dot" && ext != "gv" && ext != "html")
    throw Error("-o '" + options.output + "': unknown format '" + ext +
                "'; expected a file ending in .svg, .png, .dot or .html");
  if (options.rankdir != "TB" && options.rankdir != "LR")
    throw Error("--rankdir: expected TB or LR, got '" + options.rankdir + "'");
  const Model model = open_model(options.model);

  render::ViewOptions view_options;
  view_options.depth = options.depth;
  view_options.expand = options.expand;
  view_options.highlight = options.highlight;
  view_options.input_name = formal_input_name;
  const render::GraphView view = render::build_graph_view(model.graph, view_options);

  render::RenderOptions render_options;
  render_options.left_to_right = options.rankdir == "LR";
  render_options.shapes = !options.no_shapes;
  if (ext == "html") {
    // The page holds every group (it opens and closes them itself); `view` says which are open
    // at first.
    render::ViewOptions all = view_options;
    all.depth = render::kFullDepth;
    const render::GraphView full = render::build_graph_view(model.graph, all);
    render::write_graph_html(full, view, render_options, options.output);
  } else {
    render::write_graph(view, render_options, options.output);
  }

  std::size_t open_groups = 0, boxes = 0;
  for (const auto& g : view.groups) open_groups += g.expanded && g.parent >= 0;
  for (const auto& item : view.items) boxes += item.kind == render::ItemKind::Group;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char timing[32];
  std::snprintf(timing, sizeof timing, "%.2f s", seconds);
  std::cout << "Wrote " << options.output << ": " << view.items.size() << " nodes (" << boxes
            << " collapsed groups), " << view.edges.size() << " edges, " << open_groups
            << " open groups; depth " << view.depth << " of " << view.max_depth << "; "
            << view.op_count << " ops, " << view.folded_count << " constants folded (" << timing
            << ")\n";
  if (view.depth < view.max_depth && options.depth < 0)
    std::cout << "Deeper groups are collapsed; --depth " << view.max_depth
              << " shows every node, --expand REGEX opens chosen groups.\n";
  return 0;
}

}  // namespace

Command add_graph_command(CLI::App& app) {
  auto options = std::make_shared<GraphOptions>();
  CLI::App* sub = app.add_subcommand(
      "graph",
      "Draw the whole model grouped by name scope, to SVG, PNG, DOT or interactive HTML "
      "(nothing runs)");
  add_model_option(*sub, options->model)->required();
  sub->add_option("-o,--output", options->output,
                  "Output file: .svg, .png, .dot or .html (interactive: pan, zoom, search, "
                  "open and close groups)")
      ->required();
  sub->add_option("--depth", options->depth,
                  "Show groups down to this nesting depth and collapse deeper ones into boxes "
                  "(default: the deepest that keeps the drawing readable)")
      ->check(kNonNegative);
  sub->add_option("--expand", options->expand,
                  "Keep the groups whose path matches this regex (or that hold a node whose "
                  "name matches) open");
  sub->add_option("--highlight", options->highlight,
                  "Outline nodes whose name or op type matches this regex (and groups whose "
                  "path does)");
  sub->add_option("--rankdir", options->rankdir, "Direction of flow: TB (top to bottom) or LR");
  sub->add_flag("--no-shapes", options->no_shapes, "Leave shapes and dtypes off the edges");
  sub->footer(
      "Examples:\n"
      "  layerscope graph models/digits_cnn.onnx -o digits.svg\n"
      "  layerscope graph resnet50.onnx -o resnet.html   (one offline file; open it in a browser)\n"
      "  layerscope graph resnet50.onnx -o resnet.png --depth 2 --expand 'layer3/layer3\\.1'\n"
      "  layerscope graph model.onnx -o model.dot --rankdir LR --highlight 'Conv|Gemm'");
  return {sub, [options] { return run_graph(*options); }};
}

}  // namespace layerscope::cli
