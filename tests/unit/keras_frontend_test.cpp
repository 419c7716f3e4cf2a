// The Keras frontend's small pieces: Keras's class-to-group naming, TF's window arithmetic, shapes
// printed as Keras prints them, and config reading that names the layer and key it refuses.
#include "frontends/keras/keras_weights.h"
#include "frontends/keras/layer_spec.h"

#include <layerscope/error.h>

#include <gtest/gtest.h>

namespace layerscope::keras {
namespace {

TEST(KerasNaming, GroupsAreNamedAsKerasSnakeCasesClassNames) {
  EXPECT_EQ(snake_case("Conv2D"), "conv2d");
  EXPECT_EQ(snake_case("Conv2DTranspose"), "conv2d_transpose");
  EXPECT_EQ(snake_case("BatchNormalization"), "batch_normalization");
  EXPECT_EQ(snake_case("GlobalAveragePooling2D"), "global_average_pooling2d");
  EXPECT_EQ(snake_case("LSTM"), "lstm");
  EXPECT_EQ(snake_case("SimpleRNN"), "simple_rnn");
  EXPECT_EQ(snake_case("PReLU"), "p_re_lu");
  EXPECT_EQ(snake_case("MultiHeadAttention"), "multi_head_attention");
  EXPECT_EQ(snake_case("InputLayer"), "input_layer");
}

TEST(KerasShapes, WindowOutputFollowsTensorFlowsPadding) {
  EXPECT_EQ(window_output(28, 3, 1, 1, "valid"), 26);
  EXPECT_EQ(window_output(28, 3, 1, 1, "same"), 28);
  EXPECT_EQ(window_output(7, 3, 2, 1, "same"), 4);  // ceil(7 / 2)
  EXPECT_EQ(window_output(7, 3, 2, 1, "valid"), 3);
  EXPECT_EQ(window_output(9, 3, 1, 2, "valid"), 5);  // dilated span 5
  EXPECT_EQ(window_output(2, 3, 1, 1, "valid"), 0);
  EXPECT_EQ(window_output(-1, 3, 1, 1, "same"), -1);  // unknown stays unknown
  EXPECT_EQ(kshape_string({-1, 28, 28, 1}), "(None, 28, 28, 1)");
  EXPECT_EQ(kshape_string({5}), "(5,)");
}

TEST(KerasConfig, ReadingNamesTheLayerAndTheKey) {
  const nlohmann::json config = {{"units", "ten"},
                                 {"kernel_size", {3, 3}},
                                 {"strides", 2},
                                 {"activation", {{"class_name", "function"}, {"config", "relu"}}}};
  LayerContext ctx("Dense", config, {{-1, 4}}, 3, "m.keras: layer 'dense' (Dense)");
  EXPECT_EQ(ctx.get_ints("kernel_size", 2, {}), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(ctx.get_ints("strides", 2, {}), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(ctx.get_activation(), "relu");
  EXPECT_EQ(ctx.get_int("missing", 7), 7);
  try {
    ctx.get_int("units");
    FAIL() << "a string read as an integer";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "m.keras: layer 'dense' (Dense): config 'units' is \"ten\"; expected an integer");
  }
  EXPECT_THROW(ctx.get_ints("kernel_size", 3, {}), Error);
  EXPECT_THROW(ctx.input(0, 2), Error);  // one input where two are expected
}

TEST(KerasSpecs, DenseWeightsAndShapesAreKerass) {
  const LayerSpecFn* dense = layer_specs().find("Dense");
  ASSERT_NE(dense, nullptr);
  const nlohmann::json config = {{"units", 5}, {"activation", "relu"}, {"use_bias", true}};
  LayerContext ctx("Dense", config, {{-1, 7, 3}}, 2, "here");
  const LayerPlan plan = (*dense)(ctx);
  ASSERT_EQ(plan.outputs.size(), 1u);
  EXPECT_EQ(plan.outputs[0], (KShape{-1, 7, 5}));
  ASSERT_EQ(plan.weights.size(), 2u);
  EXPECT_EQ(plan.weights[0].name, "kernel");
  EXPECT_EQ(plan.weights[0].shape, (KShape{3, 5}));
  EXPECT_EQ(plan.weights[1].keras3_path, "vars/1");
  EXPECT_EQ(layer_specs().find("Lambda"), nullptr);
}

}  // namespace
}  // namespace layerscope::keras
