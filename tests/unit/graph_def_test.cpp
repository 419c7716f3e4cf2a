// Graph IR -> GraphDef for TensorBoard's Graphs tab, and add_graph's event.
#include "tensorboard/graph_def.h"
#include "tensorboard/event_reader.h"
#include "tensorboard/proto/event.pb.h"

#include <layerscope/graph.h>
#include <layerscope/onnx.h>
#include <layerscope/summary_writer.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

namespace layerscope {
namespace {

namespace pb = ::tensorflow;

Dim dim(int64_t v) { return Dim{v, ""}; }

// x [batch,1,4,4] -> Conv (weight w) -> Split into two -> Add; plus names that need cleaning.
Graph small_graph() {
  Graph g;
  g.name = "small";
  auto value = [&](const std::string& name, ValueKind kind, std::optional<StaticShape> shape) {
    Value v;
    v.name = name;
    v.kind = kind;
    v.dtype = DType::Float32;
    v.shape = std::move(shape);
    g.values.push_back(v);
    return static_cast<int>(g.values.size()) - 1;
  };
  const int x =
      value("input.1", ValueKind::Input, StaticShape{Dim{-1, "batch"}, dim(1), dim(4), dim(4)});
  const int w = value("layer1.conv1.weight", ValueKind::Initializer,
                      StaticShape{dim(2), dim(1), dim(3), dim(3)});
  g.values[w].data = Tensor::zeros(DType::Float32, {2, 1, 3, 3});
  const int c = value("/layer1/conv1/Conv_output_0", ValueKind::Intermediate,
                      StaticShape{Dim{-1, "batch"}, dim(2), dim(2), dim(2)});
  const int s0 =
      value("s0", ValueKind::Intermediate, StaticShape{Dim{-1, "batch"}, dim(1), dim(2), dim(2)});
  const int s1 = value("s1", ValueKind::Intermediate, std::nullopt);
  const int y =
      value("y", ValueKind::Intermediate, StaticShape{Dim{-1, "batch"}, dim(1), dim(2), dim(2)});
  const int z = value("z", ValueKind::Intermediate, StaticShape{});

  auto node = [&](const std::string& name, const std::string& op, const std::string& scope,
                  std::vector<int> in, std::vector<int> out) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.scope = scope;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    g.nodes.push_back(n);
    return &g.nodes.back();
  };
  Node* conv = node("/layer1/conv1/Conv", "Conv", "layer1/conv1", {x, w}, {c});
  Attribute ks;
  ks.kind = Attribute::Kind::Ints;
  ks.ints = {3, 3};
  conv->attributes["kernel_shape"] = ks;
  Attribute pad;
  pad.kind = Attribute::Kind::String;
  pad.s = "NOTSET";
  conv->attributes["auto_pad"] = pad;
  Attribute group;
  group.kind = Attribute::Kind::Int;
  group.i = 1;
  conv->attributes["group"] = group;
  node("/layer1/Split", "Split", "layer1", {c}, {s0, s1});
  Node* add = node("/layer1/Split", "Add", "layer1", {s0, s1}, {y});  // same name: made unique
  Attribute alpha;
  alpha.kind = Attribute::Kind::Float;
  alpha.f = 0.5;
  add->attributes["alpha"] = alpha;
  Attribute t;
  t.kind = Attribute::Kind::Tensor;
  t.t = Tensor::zeros(DType::Float32, {4});
  add->attributes["value"] = t;
  Node* odd = node("my node:1", "ReduceSum", "odd scope!", {y}, {z});
  odd->domain = "com.example";
  g.inputs = {x};
  g.outputs = {z};
  g.reindex();
  return g;
}

std::map<std::string, const pb::NodeDef*> by_name(const pb::GraphDef& def) {
  std::map<std::string, const pb::NodeDef*> out;
  for (const pb::NodeDef& n : def.node()) out[n.name()] = &n;
  return out;
}

std::vector<int64_t> dims(const pb::TensorShapeProto& shape) {
  std::vector<int64_t> out;
  for (const auto& d : shape.dim()) out.push_back(d.size());
  return out;
}

TEST(GraphDef, NamesScopesEdgesAndShapes) {
  const pb::GraphDef def = tensorboard::make_graph_def(small_graph());
  // 1 Placeholder + 1 Const + 4 nodes.
  ASSERT_EQ(def.node_size(), 6);
  const auto nodes = by_name(def);
  ASSERT_EQ(nodes.size(), 6u) << "names must be unique";
  for (const char* name : {"input.1", "layer1/conv1/layer1.conv1.weight", "layer1/conv1/Conv",
                           "layer1/Split", "layer1/Split_1", "odd_scope_/my_node_1"})
    ASSERT_TRUE(nodes.count(name)) << name;

  const pb::NodeDef& input = *nodes.at("input.1");
  EXPECT_EQ(input.op(), "Placeholder");
  EXPECT_EQ(input.attr().at("dtype").type(), pb::DT_FLOAT);
  EXPECT_EQ(dims(input.attr().at("shape").shape()), (std::vector<int64_t>{-1, 1, 4, 4}));
  EXPECT_EQ(input.attr().at("shape").shape().dim(0).name(), "batch");

  const pb::NodeDef& weight = *nodes.at("layer1/conv1/layer1.conv1.weight");
  EXPECT_EQ(weight.op(), "Const");
  EXPECT_EQ(weight.input_size(), 0);
  EXPECT_FALSE(weight.attr().count("value")) << "no weight data";
  EXPECT_EQ(weight.attr().at("dtype").type(), pb::DT_FLOAT);
  ASSERT_EQ(weight.attr().at("_output_shapes").list().shape_size(), 1);
  EXPECT_EQ(dims(weight.attr().at("_output_shapes").list().shape(0)),
            (std::vector<int64_t>{2, 1, 3, 3}));

  const pb::NodeDef& conv = *nodes.at("layer1/conv1/Conv");
  EXPECT_EQ(conv.op(), "Conv");
  ASSERT_EQ(conv.input_size(), 2);
  EXPECT_EQ(conv.input(0), "input.1");
  EXPECT_EQ(conv.input(1), "layer1/conv1/layer1.conv1.weight");
  EXPECT_EQ(conv.attr().at("T").type(), pb::DT_FLOAT);
  EXPECT_EQ(conv.attr().at("group").i(), 1);
  EXPECT_EQ(conv.attr().at("auto_pad").s(), "NOTSET");
  const auto& ks = conv.attr().at("kernel_shape").list().i();
  EXPECT_EQ(std::vector<int64_t>(ks.begin(), ks.end()), (std::vector<int64_t>{3, 3}));
  ASSERT_EQ(conv.attr().at("_output_shapes").list().shape_size(), 1);
  EXPECT_EQ(dims(conv.attr().at("_output_shapes").list().shape(0)),
            (std::vector<int64_t>{-1, 2, 2, 2}));

  const pb::NodeDef& split = *nodes.at("layer1/Split");
  EXPECT_EQ(split.op(), "Split");
  ASSERT_EQ(split.input_size(), 1);
  EXPECT_EQ(split.input(0), "layer1/conv1/Conv");
  const auto& split_shapes = split.attr().at("_output_shapes").list();
  ASSERT_EQ(split_shapes.shape_size(), 2);
  EXPECT_EQ(dims(split_shapes.shape(0)), (std::vector<int64_t>{-1, 1, 2, 2}));
  EXPECT_TRUE(split_shapes.shape(1).unknown_rank());

  const pb::NodeDef& add = *nodes.at("layer1/Split_1");
  EXPECT_EQ(add.op(), "Add");
  ASSERT_EQ(add.input_size(), 2);
  EXPECT_EQ(add.input(0), "layer1/Split");
  EXPECT_EQ(add.input(1), "layer1/Split:1");
  EXPECT_FLOAT_EQ(add.attr().at("alpha").f(), 0.5f);
  EXPECT_EQ(add.attr().at("value").s(), "tensor float32 4");

  const pb::NodeDef& odd = *nodes.at("odd_scope_/my_node_1");
  EXPECT_EQ(odd.op(), "ReduceSum");
  EXPECT_EQ(odd.input(0), "layer1/Split_1");
  EXPECT_EQ(odd.attr().at("_domain").s(), "com.example");
  ASSERT_EQ(odd.attr().at("_output_shapes").list().shape_size(), 1);
  EXPECT_EQ(odd.attr().at("_output_shapes").list().shape(0).dim_size(), 0);  // a scalar
  EXPECT_FALSE(odd.attr().at("_output_shapes").list().shape(0).unknown_rank());

  // Every input names a NodeDef of the graph.
  for (const pb::NodeDef& n : def.node())
    for (const std::string& in : n.input())
      EXPECT_TRUE(nodes.count(in.substr(0, in.find(':')))) << in;
}

TEST(GraphDef, SanitizesNames) {
  using tensorboard::sanitize_node_name;
  EXPECT_EQ(sanitize_node_name("/layer1/layer1.0/conv1/Conv"), "layer1/layer1.0/conv1/Conv");
  EXPECT_EQ(sanitize_node_name("a//b/"), "a/b");
  EXPECT_EQ(sanitize_node_name("x:0 y^z"), "x_0_y_z");
  EXPECT_EQ(sanitize_node_name("_private"), "n_private");
  EXPECT_EQ(sanitize_node_name("ünï"), "n__n__");  // UTF-8: two bytes each
  EXPECT_EQ(sanitize_node_name(""), "node");
  EXPECT_EQ(sanitize_node_name("///"), "node");
}

// Keras: node "outer/dense" (scope "outer") reads "outer/dense/kernel"; the weight keeps that
// path, so TensorBoard draws it inside the layer's group, not as "outer/kernel" beside others.
TEST(GraphDef, KerasWeightsStayUnderTheirLayer) {
  Graph g;
  auto value = [&](const std::string& name, ValueKind kind, StaticShape shape) {
    Value v;
    v.name = name;
    v.kind = kind;
    v.dtype = DType::Float32;
    v.shape = std::move(shape);
    g.values.push_back(v);
    return static_cast<int>(g.values.size()) - 1;
  };
  const int x = value("x", ValueKind::Input, {Dim{-1, "batch"}, dim(4)});
  int in = x;
  for (const char* layer : {"outer/dense", "outer/dense_1"}) {
    const int kernel =
        value(std::string(layer) + "/kernel", ValueKind::Initializer, {dim(4), dim(4)});
    const int out = value(layer, ValueKind::Intermediate, {Dim{-1, "batch"}, dim(4)});
    Node n;
    n.name = layer;
    n.op_type = "Dense";
    n.domain = "keras";
    n.scope = "outer";
    n.inputs = {in, kernel};
    n.outputs = {out};
    g.nodes.push_back(n);
    in = out;
  }
  g.inputs = {x};
  g.outputs = {in};
  g.reindex();
  const pb::GraphDef def = tensorboard::make_graph_def(g);
  std::map<std::string, const pb::NodeDef*> nodes;
  for (const pb::NodeDef& n : def.node()) nodes[n.name()] = &n;
  ASSERT_TRUE(nodes.count("outer/dense/kernel"));
  ASSERT_TRUE(nodes.count("outer/dense_1/kernel"));
  EXPECT_EQ(nodes.at("outer/dense_1/kernel")->op(), "Const");
  ASSERT_TRUE(nodes.count("outer/dense_1"));
  EXPECT_EQ(nodes.at("outer/dense_1")->op(), "Dense");
  ASSERT_EQ(nodes.at("outer/dense_1")->input_size(), 2);
  EXPECT_EQ(nodes.at("outer/dense_1")->input(0), "outer/dense");
  EXPECT_EQ(nodes.at("outer/dense_1")->input(1), "outer/dense_1/kernel");
}

TEST(GraphDef, DigitsCnnHasScopesAndNoWeightData) {
  const Model model = load_onnx(std::string(LAYERSCOPE_SOURCE_DIR) + "/models/digits_cnn.onnx");
  const Graph& g = model.graph;
  const pb::GraphDef def = tensorboard::make_graph_def(g);
  std::set<int> weights;
  std::size_t weight_bytes = 0;
  for (const Node& n : g.nodes)
    for (int in : n.inputs)
      if (in >= 0 && g.values[in].kind == ValueKind::Initializer && weights.insert(in).second)
        weight_bytes += g.values[in].data.nbytes();
  EXPECT_EQ(def.node_size(), static_cast<int>(g.nodes.size() + g.inputs.size() + weights.size()));
  const auto nodes = by_name(def);
  EXPECT_EQ(nodes.size(), static_cast<std::size_t>(def.node_size()));
  for (const Node& n : g.nodes) {
    const std::string expected = tensorboard::sanitize_node_name(
        n.scope.empty() ? n.name : n.scope + "/" + n.name.substr(n.name.rfind('/') + 1));
    ASSERT_TRUE(nodes.count(expected)) << n.name;
    EXPECT_EQ(nodes.at(expected)->op(), n.op_type);
  }
  const std::string bytes = def.SerializeAsString();
  EXPECT_LT(bytes.size(), weight_bytes / 10) << "weights must not be embedded";
  for (const pb::NodeDef& n : def.node()) {
    ASSERT_TRUE(n.attr().count("_output_shapes")) << n.name();
    for (const std::string& in : n.input())
      EXPECT_TRUE(nodes.count(in.substr(0, in.find(':')))) << n.name() << " <- " << in;
  }
}

TEST(GraphDef, AddGraphEventRoundTrips) {
  const std::string dir = ::testing::TempDir() + "/layerscope_graph_def_test";
  std::filesystem::remove_all(dir);
  const Graph g = small_graph();
  std::string path;
  {
    SummaryWriter writer(dir);
    writer.add_graph(g, 123.5);
    path = writer.file_path();
  }
  const tensorboard::EventFile file = tensorboard::read_events(path);
  ASSERT_EQ(file.events.size(), 2u);
  EXPECT_EQ(file.events[0].file_version, "brain.Event:2");
  EXPECT_FALSE(file.events[0].has_graph);
  EXPECT_TRUE(file.events[1].has_graph);
  EXPECT_DOUBLE_EQ(file.events[1].wall_time, 123.5);
  EXPECT_TRUE(file.events[1].values.empty());

  const tensorboard::RecordFile records = tensorboard::read_records(path);
  ASSERT_EQ(records.records.size(), 2u);
  ::tensorboard::Event event;
  ASSERT_TRUE(event.ParseFromString(records.records[1]));
  ASSERT_TRUE(event.has_graph_def());
  pb::GraphDef def;
  ASSERT_TRUE(def.ParseFromString(event.graph_def()));
  EXPECT_EQ(event.graph_def(), tensorboard::serialize_graph_def(g));
  EXPECT_EQ(def.node_size(), 6);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace layerscope
