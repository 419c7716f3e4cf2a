#include "model_builder.h"

#include <layerscope/error.h>
#include <layerscope/onnx.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace layerscope {
namespace {

using test::error_of;
using test::ModelBuilder;
using test::TempDir;

const std::string kDigits = std::string(LAYERSCOPE_SOURCE_DIR) + "/models/digits_cnn.onnx";

TEST(OnnxLoader, MapsTheDigitsModel) {
  const Model model = load_onnx(kDigits);
  const Graph& g = model.graph;
  ASSERT_EQ(g.nodes.size(), 6u);
  EXPECT_EQ(g.nodes[0].op_type, "Conv");
  EXPECT_EQ(g.nodes[0].name, "/conv1/Conv");
  EXPECT_EQ(g.nodes[0].scope, "conv1");
  ASSERT_EQ(g.inputs.size(), 1u);
  const Value& input = g.values[g.inputs[0]];
  EXPECT_EQ(input.name, "image");
  EXPECT_EQ(input.dtype, DType::Float32);
  EXPECT_EQ(static_shape_string(input.shape), "[batch,1,28,28]");
  // Shape inference filled the intermediate shapes.
  const Value& conv_out = g.values[g.nodes[0].outputs[0]];
  EXPECT_EQ(static_shape_string(conv_out.shape), "[batch,32,26,26]");
  EXPECT_EQ(g.values[g.nodes[0].inputs[1]].kind, ValueKind::Initializer);
  EXPECT_EQ(g.opsets.at(""), 13);
  EXPECT_EQ(conv_out.producer, 0);
  EXPECT_EQ(conv_out.consumers, std::vector<int>{1});
}

TEST(OnnxLoader, NamesUnnamedNodesAndSortsTopologically) {
  ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {2});
  b.output("z", onnx::TensorProto::FLOAT, {2});
  b.node("Relu", {"y"}, {"z"});  // out of order on purpose
  b.node("Neg", {"x"}, {"y"});
  TempDir dir;
  b.save(dir.file("m.onnx"));
  const Model m = load_onnx(dir.file("m.onnx"), {.check = false, .infer_shapes = true});
  ASSERT_EQ(m.graph.nodes.size(), 2u);
  EXPECT_EQ(m.graph.nodes[0].op_type, "Neg");
  EXPECT_EQ(m.graph.nodes[0].name, "y");  // named after its output
}

TEST(OnnxLoader, CorruptAndTruncatedFilesGiveClearErrors) {
  TempDir dir;
  std::ofstream(dir.file("junk.onnx")) << "this is not a model";
  EXPECT_NE(error_of([&] { load_onnx(dir.file("junk.onnx")); }).find("not a valid ONNX model"),
            std::string::npos);
  std::ifstream full(kDigits, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(full)), {});
  std::ofstream(dir.file("cut.onnx"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(error_of([&] { load_onnx(dir.file("cut.onnx")); }).find("cut.onnx"), std::string::npos);
  EXPECT_NE(error_of([&] { load_onnx(dir.file("none.onnx")); }).find("cannot read model"),
            std::string::npos);
}

TEST(OnnxLoader, ModelFailingTheCheckerIsRefused) {
  ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {2});
  b.output("y", onnx::TensorProto::FLOAT, {2});
  b.node("NoSuchOp", {"x"}, {"y"}, "bad");
  TempDir dir;
  b.save(dir.file("m.onnx"));
  const std::string message = error_of([&] { load_onnx(dir.file("m.onnx")); });
  EXPECT_NE(message.find("fails the ONNX checker"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "errors are one line";
}

TEST(OnnxLoader, ReadsDanglingInputAsAnError) {
  ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {2});
  b.output("y", onnx::TensorProto::FLOAT, {2});
  b.node("Add", {"x", "ghost"}, {"y"}, "adder");
  TempDir dir;
  b.save(dir.file("m.onnx"));
  const std::string message =
      error_of([&] { load_onnx(dir.file("m.onnx"), {.check = false, .infer_shapes = false}); });
  EXPECT_NE(message.find("'adder'"), std::string::npos) << message;
  EXPECT_NE(message.find("'ghost'"), std::string::npos) << message;
}

// A model whose weight lives in an external file at `location`.
void save_external_model(const std::string& path, const std::string& location) {
  ModelBuilder b;
  b.input("x", onnx::TensorProto::FLOAT, {2});
  b.output("y", onnx::TensorProto::FLOAT, {2});
  auto& w = *b.graph().add_initializer();
  w.set_name("w");
  w.set_data_type(onnx::TensorProto::FLOAT);
  w.add_dims(2);
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = w.add_external_data();
  entry->set_key("location");
  entry->set_value(location);
  b.node("Add", {"x", "w"}, {"y"}, "add");
  b.save(path);
}

TEST(OnnxLoader, ReadsExternalDataInsideTheModelFolder) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("weights"));
  const float w[2] = {1.5f, -2.0f};
  std::ofstream(dir.file("weights/w.bin"), std::ios::binary)
      .write(reinterpret_cast<const char*>(w), sizeof w);
  save_external_model(dir.file("m.onnx"), "weights/w.bin");
  const Model m = load_onnx(dir.file("m.onnx"));
  const Value& v = m.graph.values[m.graph.find_value("w")];
  ASSERT_EQ(v.data.numel(), 2);
  EXPECT_EQ(v.data.data<float>()[1], -2.0f);
}

TEST(OnnxLoader, RefusesExternalDataOutsideTheModelFolder) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("model"));
  std::ofstream(dir.file("secret.bin"), std::ios::binary) << "12345678";
  std::filesystem::create_symlink(dir.file("secret.bin"), dir.file("model/link.bin"));
  for (const std::string& location :
       {std::string("../secret.bin"), dir.file("secret.bin"), std::string("link.bin"),
        std::string("sub/../../secret.bin")}) {
    save_external_model(dir.file("model/m.onnx"), location);
    const std::string message = error_of([&] { load_onnx(dir.file("model/m.onnx")); });
    EXPECT_NE(message.find("outside the model's folder"), std::string::npos)
        << location << ": " << message;
    EXPECT_NE(message.find("'w'"), std::string::npos) << message;
  }
}

TEST(OnnxLoader, SubgraphReadsFromTheOuterGraphBecomeCapturedInputs) {
  TempDir dir;
  test::if_model().save(dir.file("if.onnx"));
  const Model m = load_onnx(dir.file("if.onnx"));
  const Node& n = m.graph.nodes[0];
  ASSERT_EQ(n.captured_inputs.size(), 1u);
  EXPECT_EQ(m.graph.values[n.captured_inputs[0]].name, "x");
  const Graph& then_branch = *n.find_attribute("then_branch")->g;
  EXPECT_EQ(then_branch.values[then_branch.find_value("x")].kind, ValueKind::OuterScope);
}

}  // namespace
}  // namespace layerscope
