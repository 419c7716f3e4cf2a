// The TensorFlow frontend's GraphDef -> IR: names, values, attributes, constants, and every
// malformed graph refused with a message naming the node.
#include "frontends/tensorflow/graph_builder.h"
#include "frontends/tensorflow/op_outputs.h"

#include <layerscope/error.h>
#include <layerscope/model.h>
#include <layerscope/tensorflow.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace layerscope {
namespace {

namespace pb = ::tensorflow;
using tensorflow_frontend::build_graph;
using tensorflow_frontend::FlatGraph;
using tensorflow_frontend::tensor_from_proto;

pb::NodeDef* add_node(pb::GraphDef& g, const std::string& name, const std::string& op,
                      std::vector<std::string> inputs = {}) {
  pb::NodeDef* n = g.add_node();
  n->set_name(name);
  n->set_op(op);
  for (const auto& i : inputs) n->add_input(i);
  (*n->mutable_attr())["T"].set_type(pb::DT_FLOAT);
  return n;
}

pb::NodeDef* add_const(pb::GraphDef& g, const std::string& name, std::vector<float> values,
                       std::vector<int64_t> shape) {
  pb::NodeDef* n = add_node(g, name, "Const");
  pb::TensorProto* t = (*n->mutable_attr())["value"].mutable_tensor();
  t->set_dtype(pb::DT_FLOAT);
  for (int64_t d : shape) t->mutable_tensor_shape()->add_dim()->set_size(d);
  t->set_tensor_content(
      std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  return n;
}

// x [1,4] -> conv-less dense: MatMul(x, kernel) -> BiasAdd -> Split into two; a control edge.
pb::GraphDef dense_graph() {
  pb::GraphDef g;
  pb::NodeDef* x = add_node(g, "x", "Placeholder");
  (*x->mutable_attr())["dtype"].set_type(pb::DT_FLOAT);
  auto* shape = (*x->mutable_attr())["shape"].mutable_shape();
  shape->add_dim()->set_size(-1);
  shape->add_dim()->set_size(4);
  add_const(g, "model/dense/kernel", std::vector<float>(8, 0.5f), {4, 2});
  add_const(g, "model/dense/bias", {1, 2}, {2});
  add_node(g, "model/dense/MatMul", "MatMul", {"x", "model/dense/kernel"});
  pb::NodeDef* bias = add_node(g, "model/dense/BiasAdd", "BiasAdd",
                               {"model/dense/MatMul", "model/dense/bias", "^x"});
  (*bias->mutable_attr())["data_format"].set_s("NHWC");
  (*bias->mutable_attr())["_output_shapes"].mutable_list()->add_shape()->add_dim()->set_size(2);
  add_const(g, "split/dim", {0}, {});
  pb::NodeDef* split = add_node(g, "split", "Split", {"split/dim", "model/dense/BiasAdd"});
  (*split->mutable_attr())["num_split"].set_i(2);
  add_node(g, "second", "Identity", {"split:1"});
  return g;
}

Graph build(const pb::GraphDef& def) {
  FlatGraph flat;
  flat.graph_def = &def;
  return build_graph(flat, "'test.pb'");
}

std::string build_error(const pb::GraphDef& def) {
  try {
    build(def);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TensorFlowFrontend, NodesValuesAndScopesAsTensorFlowNamesThem) {
  const Graph g = build(dense_graph());
  ASSERT_EQ(g.nodes.size(), 4u);  // MatMul, BiasAdd, Split, Identity; constants are values
  const Node& bias = g.nodes[g.find_node("model/dense/BiasAdd")];
  EXPECT_EQ(bias.domain, "tensorflow");
  EXPECT_EQ(bias.scope, "model/dense");
  ASSERT_EQ(bias.inputs.size(), 2u);  // the control input is dropped
  EXPECT_EQ(g.values[bias.inputs[1]].name, "model/dense/bias");
  EXPECT_EQ(g.values[bias.inputs[1]].kind, ValueKind::Initializer);
  EXPECT_EQ(bias.attr_string("data_format", ""), "NHWC");
  EXPECT_EQ(bias.attr_string("T", ""), "float32");
  EXPECT_EQ(bias.find_attribute("_output_shapes"), nullptr);
  EXPECT_EQ(static_shape_string(g.values[bias.outputs[0]].shape), "[2]");

  const Node& split = g.nodes[g.find_node("split")];
  ASSERT_EQ(split.outputs.size(), 2u);
  EXPECT_EQ(g.values[split.outputs[1]].name, "split:1");
  EXPECT_EQ(g.nodes[g.find_node("second")].inputs[0], split.outputs[1]);

  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.values[g.inputs[0]].name, "x");
  EXPECT_EQ(static_shape_string(g.values[g.inputs[0]].shape), "[batch,4]");
  // Outputs: what nothing reads (split:0 and second).
  std::vector<std::string> outputs;
  for (int v : g.outputs) outputs.push_back(g.values[v].name);
  EXPECT_EQ(outputs, (std::vector<std::string>{"split", "second"}));
  EXPECT_EQ(g.opsets.at("tensorflow"), 1);
}

TEST(TensorFlowFrontend, NodesAreOrderedByTheirInputsNotTheFile) {
  pb::GraphDef def;
  add_node(def, "b", "Relu", {"a"});
  add_node(def, "a", "Relu", {"x"});
  pb::NodeDef* x = add_node(def, "x", "Placeholder");
  (*x->mutable_attr())["dtype"].set_type(pb::DT_FLOAT);
  const Graph g = build(def);
  EXPECT_EQ(g.nodes[0].name, "a");
  EXPECT_EQ(g.nodes[1].name, "b");
}

TEST(TensorFlowFrontend, ConstantsFromTypedFieldsRepeatTheirLastValue) {
  pb::TensorProto t;
  t.set_dtype(pb::DT_INT32);
  t.mutable_tensor_shape()->add_dim()->set_size(4);
  t.add_int_val(7);
  t.add_int_val(9);
  const Tensor splat = tensor_from_proto(t, "c");
  EXPECT_EQ(to_doubles(splat), (std::vector<double>{7, 9, 9, 9}));

  pb::TensorProto h;  // float16 as bits in half_val
  h.set_dtype(pb::DT_HALF);
  h.add_half_val(0x3c00);  // 1.0
  EXPECT_EQ(to_doubles(tensor_from_proto(h, "h")), (std::vector<double>{1.0}));

  pb::TensorProto b;
  b.set_dtype(pb::DT_BOOL);
  b.mutable_tensor_shape()->add_dim()->set_size(2);
  EXPECT_EQ(to_doubles(tensor_from_proto(b, "b")), (std::vector<double>{0, 0}));
}

TEST(TensorFlowFrontend, BadConstantsAreRefused) {
  pb::TensorProto short_content;
  short_content.set_dtype(pb::DT_FLOAT);
  short_content.mutable_tensor_shape()->add_dim()->set_size(3);
  short_content.set_tensor_content(std::string(8, '\0'));
  EXPECT_THROW(tensor_from_proto(short_content, "c"), Error);

  pb::TensorProto huge;  // a splat that would expand to 2^60 floats
  huge.set_dtype(pb::DT_FLOAT);
  for (int i = 0; i < 3; ++i) huge.mutable_tensor_shape()->add_dim()->set_size(int64_t{1} << 20);
  huge.add_float_val(1);
  try {
    tensor_from_proto(huge, "node 'big' (Const)");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();
  }

  pb::TensorProto negative;
  negative.set_dtype(pb::DT_FLOAT);
  negative.mutable_tensor_shape()->add_dim()->set_size(-1);
  EXPECT_THROW(tensor_from_proto(negative, "c"), Error);
}

TEST(TensorFlowFrontend, MalformedGraphsNameTheNode) {
  pb::GraphDef missing = dense_graph();
  add_node(missing, "reader", "Relu", {"nowhere:0"});
  EXPECT_NE(build_error(missing).find("node 'reader' (Relu) reads 'nowhere:0', which no node"),
            std::string::npos)
      << build_error(missing);

  pb::GraphDef duplicate = dense_graph();
  add_node(duplicate, "x", "Relu");
  EXPECT_NE(build_error(duplicate).find("two nodes are named 'x'"), std::string::npos);

  pb::GraphDef cycle;
  add_node(cycle, "a", "Relu", {"b"});
  add_node(cycle, "b", "Relu", {"a"});
  EXPECT_NE(build_error(cycle).find("is on a cycle"), std::string::npos) << build_error(cycle);

  pb::GraphDef past_outputs = dense_graph();
  add_node(past_outputs, "third", "Identity", {"split:2"});
  EXPECT_NE(build_error(past_outputs).find("reads output 2 of 'split', which has 2 outputs"),
            std::string::npos)
      << build_error(past_outputs);
}

TEST(TensorFlowFrontend, OutputArgumentsOfMultiOutputOps) {
  pb::NodeDef bn;
  bn.set_op("FusedBatchNormV3");
  EXPECT_EQ(tensorflow_frontend::output_count(bn), 6);
  EXPECT_EQ(tensorflow_frontend::output_index(bn, "batch_variance", 0), 2);
  EXPECT_EQ(tensorflow_frontend::output_index(bn, "nope", 0), -1);
  pb::NodeDef split;
  split.set_op("Split");
  (*split.mutable_attr())["num_split"].set_i(3);
  EXPECT_EQ(tensorflow_frontend::output_count(split), 3);
  EXPECT_EQ(tensorflow_frontend::output_index(split, "output", 2), 2);
}

class TensorFlowFiles : public ::testing::Test {
 protected:
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() / "layerscope_tf_files";
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
};

TEST_F(TensorFlowFiles, BinaryAndTextGraphDefsOpenByContent) {
  const std::string binary = write("model.bin", dense_graph().SerializeAsString());
  EXPECT_TRUE(looks_like_tensorflow(binary));
  const Model model = load_model(binary);
  EXPECT_EQ(model.format, "tensorflow");
  EXPECT_EQ(model.graph.nodes.size(), 4u);

  const std::string text = write("model.pbtxt", dense_graph().DebugString());
  EXPECT_EQ(load_model(text).graph.nodes.size(), 4u);
}

TEST_F(TensorFlowFiles, TruncatedAndCorruptFilesAreRefused) {
  const std::string bytes = dense_graph().SerializeAsString();
  const std::string truncated = write("truncated.pb", bytes.substr(0, bytes.size() - 3));
  try {
    load_tensorflow(truncated);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a valid TensorFlow GraphDef"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load_tensorflow(write("garbage.pbtxt", "node { name: ")), Error);
  EXPECT_THROW(load_tensorflow((dir_ / "absent.pb").string()), Error);
}

}  // namespace
}  // namespace layerscope
