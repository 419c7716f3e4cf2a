// The op catalogue: categories by domain, MACs for ONNX and Keras ops.
#include "graph/op_catalog.h"

#include <gtest/gtest.h>

namespace layerscope {
namespace {

TEST(OpCatalog, KerasClassesHaveTheirCategories) {
  EXPECT_EQ(op_category("keras", "Conv2D"), OpCategory::Convolution);
  EXPECT_EQ(op_category("keras", "Dense"), OpCategory::Linear);
  EXPECT_EQ(op_category("keras", "LSTM"), OpCategory::Linear);
  EXPECT_EQ(op_category("keras", "BatchNormalization"), OpCategory::Normalization);
  EXPECT_EQ(op_category("keras", "LeakyReLU"), OpCategory::Activation);
  EXPECT_EQ(op_category("keras", "MaxPooling2D"), OpCategory::Pooling);
  EXPECT_EQ(op_category("keras", "Concatenate"), OpCategory::Shape);
  EXPECT_EQ(op_category("keras", "Add"), OpCategory::Elementwise);
  EXPECT_EQ(op_category("keras", "Dropout"), OpCategory::Elementwise);
  EXPECT_EQ(op_category("keras", "MyCustomLayer"), OpCategory::Other);
}

TEST(OpCatalog, TheDomainSaysWhichTable) {
  EXPECT_EQ(op_category("", "Conv"), OpCategory::Convolution);
  EXPECT_EQ(op_category("com.microsoft", "FusedConv"), OpCategory::Convolution);
  // ONNX's Relu is not a Keras class, Keras' ReLU not an ONNX op.
  EXPECT_EQ(op_category("keras", "Relu"), OpCategory::Other);
  EXPECT_EQ(op_category("", "ReLU"), OpCategory::Other);
  EXPECT_STREQ(category_name(OpCategory::ControlFlow), "control flow");
}

TEST(OpCatalog, DenseMacsAreOutputsTimesInputs) {
  Graph g;
  auto value = [&](std::vector<int64_t> dims, ValueKind kind) {
    Value v;
    v.kind = kind;
    v.name = "v" + std::to_string(g.values.size());
    v.shape = StaticShape();
    for (int64_t d : dims) v.shape->push_back(d < 0 ? Dim{-1, "batch"} : Dim{d, ""});
    g.values.push_back(v);
    return static_cast<int>(g.values.size()) - 1;
  };
  Node dense;
  dense.op_type = "Dense";
  dense.domain = "keras";
  dense.inputs = {value({-1, 16}, ValueKind::Input), value({16, 12}, ValueKind::Initializer)};
  dense.outputs = {value({-1, 12}, ValueKind::Intermediate)};
  EXPECT_TRUE(counts_macs(dense));
  EXPECT_EQ(op_macs(g, dense), 12 * 16);
  Node flatten = dense;
  flatten.op_type = "Flatten";
  EXPECT_FALSE(counts_macs(flatten));
  EXPECT_EQ(op_macs(g, flatten), std::nullopt);
}

}  // namespace
}  // namespace layerscope
