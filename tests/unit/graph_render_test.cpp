// Drawing a GraphView: DOT escaping, and SVG through Graphviz with one group laid out per call.
#include "render/graph_render.h"

#include <layerscope/graph.h>

#include "model_builder.h"

#include <layerscope/error.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

namespace layerscope::render {
namespace {

// x -> first (in group "block") -> second (in "block") -> third -> y; names chosen to need
// escaping.
GraphView hostile_view() {
  GraphView view;
  view.name = "say \"hi\"";
  ViewGroup root;
  root.expanded = root.visible = true;
  ViewGroup block;
  block.name = "block \\ <b>";
  block.path = "block";
  block.parent = 0;
  block.level = 1;
  block.expanded = block.visible = true;
  root.groups = {1};
  view.groups = {root, block};
  auto item = [&](ItemKind kind, int parent, const std::string& title,
                  std::vector<std::string> lines) {
    ViewItem i;
    i.kind = kind;
    i.parent = parent;
    i.title = title;
    i.lines = std::move(lines);
    view.items.push_back(i);
    view.groups[parent].items.push_back(static_cast<int>(view.items.size()) - 1);
  };
  item(ItemKind::Input, 0, "input", {"x"});
  item(ItemKind::Op, 1, "Relu", {"a \"quoted\" name & <script>alert(1)</script>"});
  item(ItemKind::Op, 1, "Neg", {"ends in a backslash \\"});
  item(ItemKind::Op, 0, "Abs", {"\\N is no escape here"});
  item(ItemKind::Output, 0, "output", {"y"});
  for (int i = 0; i < 4; ++i) view.edges.push_back({i, i + 1, "v", "2 float32"});
  return view;
}

std::string read(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(GraphRender, DotEscapesQuotesBackslashesAndEntities) {
  const std::string dot = to_dot(hostile_view(), {});
  EXPECT_NE(dot.find("digraph \"say \\\"hi\\\"\" {"), std::string::npos) << dot;
  EXPECT_NE(dot.find("a \\\"quoted\\\" name &amp; <script>alert(1)</script>"), std::string::npos);
  // A backslash is doubled (else \N would name the node) and a string never ends in one.
  EXPECT_NE(dot.find("\\\\N is no escape here"), std::string::npos);
  EXPECT_NE(dot.find("ends in a backslash \\\\ \""), std::string::npos);
  EXPECT_NE(dot.find("subgraph cluster_1 {"), std::string::npos);
  EXPECT_NE(dot.find("label=\"block \\\\ <b>\""), std::string::npos);
  EXPECT_EQ(std::count(dot.begin(), dot.end(), '{'), std::count(dot.begin(), dot.end(), '}'));
  EXPECT_NE(dot.find("n0 -> n1 [label=\"2 float32\"];"), std::string::npos);

  RenderOptions bare;
  bare.shapes = false;
  bare.left_to_right = true;
  const std::string plain = to_dot(hostile_view(), bare);
  EXPECT_NE(plain.find("n0 -> n1;"), std::string::npos);
  EXPECT_NE(plain.find("rankdir=\"LR\""), std::string::npos);
}

TEST(GraphRender, SvgHasEveryBoxEdgeAndGroupWithMarkupEscaped) {
  test::TempDir dir;
  const std::string path = dir.file("view.svg");
  write_graph(hostile_view(), {}, path);
  const std::string svg = read(path);
  auto count = [&](const std::string& pattern) {
    const std::regex re(pattern);
    return std::distance(std::sregex_iterator(svg.begin(), svg.end(), re), std::sregex_iterator());
  };
  EXPECT_EQ(count("class=\"node\""), 5);
  EXPECT_EQ(count("class=\"edge\""), 4);
  EXPECT_EQ(count("class=\"cluster\""), 1);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("\\N is no escape here"), std::string::npos);
  // Each edge is one path from its source to its target, through the group's side when it
  // crosses one.
  const std::regex edge_group("class=\"edge\">([\\s\\S]*?)</g>");
  int edges = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), edge_group);
       it != std::sregex_iterator(); ++it, ++edges) {
    const std::string body = (*it)[1];
    EXPECT_EQ(std::count(body.begin(), body.end(), 'M'), 1) << body;  // one "M x,y C ..." path
  }
  EXPECT_EQ(edges, 4);
}

// 600 Relus in a chain, in 60 blocks of 10 in 6 stages: 66 open groups.
Graph staged_chain() {
  Graph graph;
  auto value = [&](const std::string& name) {
    Value v;
    v.name = name;
    v.dtype = DType::Float32;
    v.shape = StaticShape{Dim{4, ""}};
    graph.values.push_back(v);
    return static_cast<int>(graph.values.size()) - 1;
  };
  int previous = value("x");
  graph.values[previous].kind = ValueKind::Input;
  graph.inputs = {previous};
  for (int i = 0; i < 600; ++i) {
    Node n;
    n.op_type = "Relu";
    n.scope = "s" + std::to_string(i / 100) + "/b" + std::to_string(i / 10);
    n.name = "/" + n.scope + "/Relu_" + std::to_string(i % 10);
    n.inputs = {previous};
    previous = value("v" + std::to_string(i));
    n.outputs = {previous};
    graph.nodes.push_back(n);
  }
  graph.outputs = {previous};
  graph.reindex();
  return graph;
}

TEST(GraphRender, LayoutsInParallelProcessesGiveTheSameDrawing) {
  const Graph graph = staged_chain();
  ViewOptions all;
  all.depth = 9;
  const GraphView view = build_graph_view(graph, all);
  ASSERT_EQ(view.groups.size(), 67u);
  test::TempDir dir;
  RenderOptions one, three;
  one.processes = 1;
  three.processes = 3;
  write_graph(view, one, dir.file("one.svg"));
  write_graph(view, three, dir.file("three.svg"));
  // The same shapes at the same places; only the order of the groups in the file (and so their
  // ids) follows cgraph's name addresses.
  auto shapes = [](const std::string& svg) {
    const std::string bare = std::regex_replace(svg, std::regex(" id=\"[^\"]*\""), "");
    std::istringstream lines(bare);
    std::vector<std::string> sorted;
    for (std::string line; std::getline(lines, line);) sorted.push_back(line);
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  };
  const std::string svg = read(dir.file("one.svg"));
  const std::vector<std::string> serial = shapes(svg),
                                 parallel = shapes(read(dir.file("three.svg")));
  ASSERT_EQ(serial.size(), parallel.size());
  for (std::size_t i = 0; i < serial.size(); ++i) ASSERT_EQ(serial[i], parallel[i]);
  EXPECT_NE(svg.find("Relu_9"), std::string::npos);
}

TEST(GraphRender, UnknownFormatsAndUnwritableFilesAreClearErrors) {
  test::TempDir dir;
  try {
    write_graph(hostile_view(), {}, dir.file("view.jpg"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown format 'jpg'; expected a file ending in .svg"),
              std::string::npos);
  }
  EXPECT_THROW(write_graph(hostile_view(), {}, dir.file("missing/view.svg")), Error);
  EXPECT_THROW(write_graph(hostile_view(), {}, dir.file("missing/view.dot")), Error);
  EXPECT_EQ(file_extension("a/b.c/model.SVG"), "svg");
  EXPECT_EQ(file_extension("a/b.c/model"), "");
}

}  // namespace
}  // namespace layerscope::render
