// The graph view: groups by name scope, depth collapse, folded weights, labels and their escaping.
#include "render/graph_view.h"

#include "model_builder.h"

#include <layerscope/error.h>
#include <layerscope/onnx.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace layerscope::render {
namespace {

// Builds a Graph IR directly, so that tests can make what no loader accepts (cycles, duplicates).
class GraphMaker {
 public:
  int value(const std::string& name, std::vector<int64_t> dims = {1, 8},
            ValueKind kind = ValueKind::Intermediate) {
    Value v;
    v.name = name;
    v.kind = kind;
    v.dtype = DType::Float32;
    v.shape = StaticShape();
    for (int64_t d : dims) v.shape->push_back(Dim{d, ""});
    if (kind == ValueKind::Initializer) v.data = Tensor::zeros(DType::Float32, dims);
    graph.values.push_back(std::move(v));
    const int index = static_cast<int>(graph.values.size()) - 1;
    if (kind == ValueKind::Input) graph.inputs.push_back(index);
    return index;
  }
  Node& node(const std::string& op, const std::string& name, std::vector<int> inputs,
             std::vector<int> outputs) {
    Node n;
    n.op_type = op;
    n.name = name;
    const auto slash = name.rfind('/');
    n.scope = slash == std::string::npos
                  ? ""
                  : name.substr(name[0] == '/' ? 1 : 0, slash - (name[0] == '/' ? 1 : 0));
    n.inputs = std::move(inputs);
    n.outputs = std::move(outputs);
    graph.nodes.push_back(std::move(n));
    return graph.nodes.back();
  }
  const Graph& done() {
    graph.opsets[""] = 13;
    graph.reindex();
    return graph;
  }
  Graph graph;
};

Attribute ints(std::vector<int64_t> values) {
  Attribute a;
  a.kind = Attribute::Kind::Ints;
  a.ints = std::move(values);
  return a;
}

// A ResNet-like block structure as torch.onnx names it.
//   x -> layer1.0 {conv1/Conv, relu/Relu, conv2/Conv, Add(x)} -> layer1.1 {conv1/Conv, Relu}
//     -> fc/Gemm -> y
Graph resnet_like() {
  GraphMaker m;
  const int x = m.value("x", {1, 8}, ValueKind::Input);
  const int a = m.value("a"), b = m.value("b"), c = m.value("c"), d = m.value("d");
  const int e = m.value("e"), f = m.value("f"), y = m.value("y", {1, 10});
  m.node("Conv", "/layer1/layer1.0/conv1/Conv", {x}, {a});
  m.node("Relu", "/layer1/layer1.0/relu/Relu", {a}, {b});
  m.node("Conv", "/layer1/layer1.0/conv2/Conv", {b}, {c});
  m.node("Add", "/layer1/layer1.0/Add", {c, x}, {d});
  m.node("Conv", "/layer1/layer1.1/conv1/Conv", {d}, {e});
  m.node("Relu", "/layer1/layer1.1/Relu", {e}, {f});
  m.node("Gemm", "/fc/Gemm", {f}, {y});
  m.graph.outputs = {y};
  return m.done();
}

const ViewGroup* find_group(const GraphView& view, const std::string& path) {
  for (const ViewGroup& g : view.groups)
    if (g.path == path) return &g;
  return nullptr;
}

// The item of that kind with that name (a box: with that title).
int find_item(const GraphView& view, ItemKind kind, const std::string& name) {
  for (std::size_t i = 0; i < view.items.size(); ++i) {
    const ViewItem& item = view.items[i];
    if (item.kind == kind && (kind == ItemKind::Group ? item.title : item.name) == name)
      return static_cast<int>(i);
  }
  return -1;
}

bool has_edge(const GraphView& view, int from, int to) {
  return std::any_of(view.edges.begin(), view.edges.end(),
                     [&](const ViewEdge& e) { return e.from == from && e.to == to; });
}

bool has_line(const ViewItem& item, const std::string& line) {
  return std::find(item.lines.begin(), item.lines.end(), line) != item.lines.end();
}

ViewOptions at_depth(int depth) {
  ViewOptions options;
  options.depth = depth;
  return options;
}

TEST(GraphView, GroupsByScopeAndDissolvesGroupsOfOne) {
  const Graph graph = resnet_like();
  const GraphView view = build_graph_view(graph, {});
  EXPECT_EQ(view.max_depth, 2);
  EXPECT_EQ(view.depth, 2);  // small: the automatic depth shows everything
  const ViewGroup* layer1 = find_group(view, "layer1");
  const ViewGroup* block0 = find_group(view, "layer1/layer1.0");
  ASSERT_TRUE(layer1 && block0 && find_group(view, "layer1/layer1.1"));
  EXPECT_EQ(layer1->level, 1);
  EXPECT_EQ(block0->level, 2);
  EXPECT_EQ(layer1->groups.size(), 2u);
  // conv1, relu, conv2 and fc hold one node each: no groups of their own.
  EXPECT_EQ(find_group(view, "layer1/layer1.0/conv1"), nullptr);
  EXPECT_EQ(find_group(view, "fc"), nullptr);
  EXPECT_EQ(view.groups.size(), 4u);
  // The node is drawn in its block, named relative to it.
  const int conv1 = find_item(view, ItemKind::Op, "/layer1/layer1.0/conv1/Conv");
  ASSERT_GE(conv1, 0);
  EXPECT_EQ(view.items[conv1].title, "Conv");
  EXPECT_EQ(view.items[conv1].lines, std::vector<std::string>{"conv1/Conv"});
  EXPECT_EQ(view.groups[view.items[conv1].parent].path, "layer1/layer1.0");
  EXPECT_EQ(view.items[conv1].category, OpCategory::Convolution);
  EXPECT_GE(find_item(view, ItemKind::Op, "/fc/Gemm"), 0);
  // 7 ops, an input and an output; one edge per (value, reader).
  EXPECT_EQ(view.items.size(), 9u);
  EXPECT_EQ(view.edges.size(), 9u);
  const int input = find_item(view, ItemKind::Input, "x");
  const int add = find_item(view, ItemKind::Op, "/layer1/layer1.0/Add");
  EXPECT_TRUE(has_edge(view, input, add));
  EXPECT_TRUE(view.items[add].lines.empty());  // "Add" twice would say nothing more
  EXPECT_EQ(view.edges.front().label,
            "1\xC3\x97"
            "8 float32");
}

TEST(GraphView, DepthCollapsesGroupsIntoBoxesWithCountsAndShapes) {
  const Graph graph = resnet_like();
  const GraphView one = build_graph_view(graph, at_depth(1));
  const int block0 = find_item(one, ItemKind::Group, "layer1.0");
  const int block1 = find_item(one, ItemKind::Group, "layer1.1");
  ASSERT_GE(block0, 0);
  ASSERT_GE(block1, 0);
  const ViewItem& box = one.items[block0];
  EXPECT_TRUE(has_line(box, "4 ops"));
  EXPECT_TRUE(has_line(box, "2 Conv, 1 Add, 1 Relu"));
  EXPECT_TRUE(has_line(box,
                       "in 1\xC3\x97"
                       "8 float32"));
  EXPECT_TRUE(has_line(box,
                       "out 1\xC3\x97"
                       "8 float32"));
  EXPECT_TRUE(find_group(one, "layer1")->expanded);
  EXPECT_FALSE(find_group(one, "layer1/layer1.0")->expanded);
  EXPECT_TRUE(has_edge(one, block0, block1));
  // x feeds two nodes of layer1.0: one edge into its box.
  EXPECT_EQ(one.items.size(), 5u);  // x, two boxes, Gemm, y
  EXPECT_EQ(one.edges.size(), 4u);

  const GraphView zero = build_graph_view(graph, at_depth(0));
  const int layer1 = find_item(zero, ItemKind::Group, "layer1");
  ASSERT_GE(layer1, 0);
  EXPECT_TRUE(has_line(zero.items[layer1], "6 ops"));
  EXPECT_TRUE(has_line(zero.items[layer1], "3 Conv, 2 Relu, 1 Add"));
  EXPECT_EQ(zero.items.size(), 4u);
  EXPECT_EQ(zero.edges.size(), 3u);
}

TEST(GraphView, ExpandKeepsMatchingGroupsOpenAndHighlightMarksMatches) {
  const Graph graph = resnet_like();
  ViewOptions options = at_depth(0);
  options.expand = "layer1\\.1$";
  options.highlight = "^/layer1/layer1\\.0/relu";
  const GraphView view = build_graph_view(graph, options);
  EXPECT_TRUE(find_group(view, "layer1")->expanded);
  EXPECT_TRUE(find_group(view, "layer1/layer1.1")->expanded);
  EXPECT_FALSE(find_group(view, "layer1/layer1.0")->expanded);
  const int box = find_item(view, ItemKind::Group, "layer1.0");
  ASSERT_GE(box, 0);
  EXPECT_TRUE(view.items[box].highlighted);  // the matching Relu is inside it
  const int relu = find_item(view, ItemKind::Op, "/layer1/layer1.1/Relu");
  ASSERT_GE(relu, 0);
  EXPECT_FALSE(view.items[relu].highlighted);

  options.expand = "(";
  try {
    build_graph_view(graph, options);
    FAIL() << "a bad regex must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--expand: bad regular expression '('"),
              std::string::npos);
  }
}

TEST(GraphView, WeightsAndConstantsFoldIntoTheirReaders) {
  GraphMaker m;
  const int x = m.value("x", {1, 3, 32, 32}, ValueKind::Input);
  const int w = m.value("conv.weight", {64, 3, 7, 7}, ValueKind::Initializer);
  const int bias = m.value("conv.bias", {64}, ValueKind::Initializer);
  const int scale = m.value("scale", {}, ValueKind::Initializer);
  const int c = m.value("c", {1, 64, 16, 16});
  const int shape = m.value("shape", {2});
  const int y = m.value("y", {1, 16384});
  Node& conv = m.node("Conv", "conv", {x, w, bias}, {c});
  conv.attributes["kernel_shape"] = ints({7, 7});
  conv.attributes["strides"] = ints({2, 2});
  conv.attributes["pads"] = ints({3, 3, 3, 3});
  conv.attributes["dilations"] = ints({1, 1});
  conv.attributes["group"].i = 1;
  Node& constant = m.node("Constant", "shape_const", {}, {shape});
  Attribute tensor;
  tensor.kind = Attribute::Kind::Tensor;
  tensor.t = Tensor::zeros(DType::Int64, {2});
  tensor.t.data<int64_t>()[0] = 1;
  tensor.t.data<int64_t>()[1] = -1;
  constant.attributes["value"] = tensor;
  const int r = m.value("r", {1, 16384});
  m.node("Reshape", "flat", {c, shape}, {r});
  m.node("Mul", "scaled", {r, scale}, {y});
  m.graph.outputs = {y};
  ViewOptions options;
  options.input_name = [](const Graph& graph, const Node& node, std::size_t input) -> std::string {
    EXPECT_EQ(graph.opset_of(node), 13);
    if (node.op_type == "Conv") return input == 1 ? "W" : input == 2 ? "B" : "X";
    return "";
  };
  const GraphView view = build_graph_view(m.done(), options);
  EXPECT_EQ(view.op_count, 3);
  EXPECT_EQ(view.folded_count, 1);
  EXPECT_EQ(view.items.size(), 5u);  // x, Conv, Reshape, Mul, y: no weight or constant boxes
  const ViewItem& conv_item = view.items[find_item(view, ItemKind::Op, "conv")];
  EXPECT_EQ(conv_item.lines, (std::vector<std::string>{"conv",
                                                       "kernel 7\xC3\x97"
                                                       "7, stride 2, pad 3",
                                                       "W 64\xC3\x97"
                                                       "3\xC3\x97"
                                                       "7\xC3\x97"
                                                       "7",
                                                       "B 64"}));
  const ViewItem& reshape = view.items[find_item(view, ItemKind::Op, "flat")];
  EXPECT_TRUE(has_line(reshape, "in1 [1,-1]"));  // no formal name given: positional
  // A scalar shows its value; a float vector its shape (above: "B 64").
  EXPECT_TRUE(has_line(view.items[find_item(view, ItemKind::Op, "scaled")], "in1 0"));
  EXPECT_EQ(view.edges.size(), 4u);
}

TEST(GraphView, GroupedAndDilatedConvolutionsShowTheirAttributes) {
  GraphMaker m;
  const int x = m.value("x", {1, 32, 8, 8}, ValueKind::Input);
  const int y = m.value("y", {1, 32, 8, 8});
  Node& conv = m.node("Conv", "dw", {x}, {y});
  conv.attributes["kernel_shape"] = ints({3, 3});
  conv.attributes["pads"] = ints({0, 1, 0, 1});
  conv.attributes["dilations"] = ints({2, 2});
  conv.attributes["group"].i = 32;
  m.graph.outputs = {y};
  const GraphView view = build_graph_view(m.done(), {});
  EXPECT_TRUE(has_line(view.items[find_item(view, ItemKind::Op, "dw")],
                       "kernel 3\xC3\x97"
                       "3, pad 0,1,0,1, dilation 2, groups 32"));
}

TEST(GraphView, TextIsValidUtf8WithoutControlsAndCut) {
  EXPECT_EQ(sanitize_text("say \"hi\" <script>alert(1)</script>", 100),
            "say \"hi\" <script>alert(1)</script>");  // escaping is each writer's job
  EXPECT_EQ(sanitize_text("a\xFF\xFE"
                          "b",
                          100),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(sanitize_text("\xC3\x28", 100), "\xEF\xBF\xBD(");             // broken 2-byte sequence
  EXPECT_EQ(sanitize_text("\xC0\xAF", 100), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(sanitize_text("\xED\xA0\x80", 100).find("\xED"), std::string::npos);  // surrogate
  EXPECT_EQ(sanitize_text("tab\there\x01", 100), "tab here\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_text("caf\xC3\xA9 \xE2\x82\xAC", 100), "caf\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(sanitize_text("abcdef", 6), "abcdef");
  EXPECT_EQ(sanitize_text("abcdefg", 6), "abcde\xE2\x80\xA6");
  EXPECT_EQ(sanitize_text("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xE2\x80\xA6");  // by character
  const std::string truncated_sequence = sanitize_text("ab\xE2\x82", 10);
  EXPECT_EQ(truncated_sequence, "ab\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(GraphView, HugeAttributesAndOddNamesGiveShortCleanLabels) {
  GraphMaker m;
  const int x = m.value("in\"put<script>", {2}, ValueKind::Input);
  const int a = m.value("a", {2}), b = m.value("b", {2}), y = m.value("y", {2});
  Node& odd = m.node("Custom", "", {x}, {a});
  Attribute huge;
  huge.kind = Attribute::Kind::String;
  huge.s = std::string(100000, 'x');
  odd.attributes["blob"] = huge;
  m.node("Relu", "", {a}, {b});         // empty names, twice
  m.node("Relu", "dup\xFF", {b}, {y});  // non-UTF-8
  const int z = m.value("z", {2});
  m.node("Relu", "dup\xFF", {y}, {z});  // a duplicate name
  m.graph.outputs = {z};
  const GraphView view = build_graph_view(m.done(), {});
  EXPECT_EQ(view.items.size(), 6u);
  EXPECT_EQ(view.edges.size(), 5u);
  for (const ViewItem& item : view.items)
    for (const std::string& line : item.lines) {
      EXPECT_LE(line.size(), 64u * 3);
      EXPECT_EQ(line.find('\xFF'), std::string::npos);
    }
  const ViewItem& custom = view.items[find_item(view, ItemKind::Op, "")];
  ASSERT_EQ(custom.lines.size(), 2u);
  EXPECT_EQ(custom.lines[1].size(), 63u + 3u);  // 63 characters and "…"
  EXPECT_EQ(custom.lines[1].substr(0, 7), "blob xx");
  EXPECT_EQ(view.items[find_item(view, ItemKind::Op, "dup\xEF\xBF\xBD")].title, "Relu");
  EXPECT_EQ(custom.category, OpCategory::Other);
}

TEST(GraphView, CyclesAndDisconnectedPartsAreDrawn) {
  GraphMaker m;
  const int x = m.value("x", {2}, ValueKind::Input);
  const int a = m.value("a", {2}), b = m.value("b", {2});
  m.node("Add", "first", {x, b}, {a});  // reads the output of the node after it
  m.node("Relu", "second", {a}, {b});
  const int u = m.value("u", {2}, ValueKind::Input);
  const int v = m.value("v", {2});
  m.node("Neg", "alone", {u}, {v});
  m.graph.outputs = {b, v};
  const GraphView view = build_graph_view(m.done(), {});
  const int first = find_item(view, ItemKind::Op, "first");
  const int second = find_item(view, ItemKind::Op, "second");
  EXPECT_TRUE(has_edge(view, first, second));
  EXPECT_TRUE(has_edge(view, second, first));
  EXPECT_TRUE(has_edge(view, find_item(view, ItemKind::Input, "u"),
                       find_item(view, ItemKind::Op, "alone")));
  EXPECT_EQ(view.items.size(), 7u);
  EXPECT_EQ(view.edges.size(), 6u);
}

TEST(GraphView, WideGroupsAreSplitInPartsAndTheAutomaticDepthKeepsToTheBudget) {
  GraphMaker m;
  int previous = m.value("x", {4}, ValueKind::Input);
  for (int i = 0; i < 300; ++i) {
    const int next = m.value("v" + std::to_string(i), {4});
    m.node("Relu", "relu" + std::to_string(i), {previous}, {next});
    previous = next;
  }
  m.graph.outputs = {previous};
  const Graph& graph = m.done();
  ViewOptions options;
  options.chunk_size = 100;
  options.auto_item_budget = 150;
  const GraphView view = build_graph_view(graph, options);
  // 300 ops in three parts; the graph input and output stay at the top.
  ASSERT_EQ(view.groups.size(), 4u);
  EXPECT_EQ(view.groups[1].name, "part 1 of 3");
  EXPECT_TRUE(view.groups[1].part);
  EXPECT_EQ(view.groups[1].op_total, 100);
  EXPECT_EQ(view.depth, 0);
  EXPECT_EQ(view.items.size(), 5u);  // x, three boxes, output
  EXPECT_EQ(view.edges.size(), 4u);

  options.auto_item_budget = 1000;
  const GraphView all = build_graph_view(graph, options);
  EXPECT_EQ(all.depth, 1);
  EXPECT_EQ(all.items.size(), 302u);
  EXPECT_EQ(all.edges.size(), 301u);
  for (const ViewGroup& g : all.groups) EXPECT_LE(g.items.size() + g.groups.size(), 100u);

  // Parts of parts when even the parts are too many.
  options.chunk_size = 10;
  const GraphView nested = build_graph_view(graph, options);
  EXPECT_EQ(nested.max_depth, 2);
  for (const ViewGroup& g : nested.groups) EXPECT_LE(g.groups.size() + g.items.size(), 10u);
}

TEST(GraphView, IfBranchesAreNestedGroupsReadingOuterValues) {
  test::TempDir dir;
  const std::string path = dir.file("if.onnx");
  test::if_model().save(path);
  const Model model = load_onnx(path);
  const GraphView view = build_graph_view(model.graph, {});
  const ViewGroup* then_group = find_group(view, "branch.then_branch");
  const ViewGroup* else_group = find_group(view, "branch.else_branch");
  ASSERT_TRUE(then_group && else_group);
  EXPECT_TRUE(then_group->subgraph);
  EXPECT_EQ(then_group->level, 1);
  EXPECT_EQ(view.op_count, 3);
  const int branch = find_item(view, ItemKind::Op, "branch");
  const int x = find_item(view, ItemKind::Input, "x");
  ASSERT_GE(branch, 0);
  EXPECT_EQ(view.items[branch].category, OpCategory::ControlFlow);
  int neg = -1;
  for (std::size_t i = 0; i < view.items.size(); ++i)
    if (view.items[i].title == "Neg") neg = static_cast<int>(i);
  ASSERT_GE(neg, 0);
  EXPECT_EQ(view.groups[view.items[neg].parent].path, "branch.then_branch");
  EXPECT_TRUE(has_edge(view, x, neg));       // the branch reads x from the outer graph
  EXPECT_TRUE(has_edge(view, neg, branch));  // and its result flows into the If
  EXPECT_TRUE(has_edge(view, find_item(view, ItemKind::Input, "cond"), branch));
  EXPECT_EQ(view.edges.size(), 6u);  // cond, x twice, two branch results, y

  const GraphView closed = build_graph_view(model.graph, at_depth(0));
  const int then_box = find_item(closed, ItemKind::Group, "branch.then_branch");
  ASSERT_GE(then_box, 0);
  EXPECT_TRUE(has_line(closed.items[then_box], "1 op"));
}

}  // namespace
}  // namespace layerscope::render
