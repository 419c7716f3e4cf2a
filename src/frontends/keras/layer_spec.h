#pragma once
// What the Keras frontend knows about each layer class, in one table: from a layer's config and
// the shapes of its inputs, the shapes of its outputs, the weights it owns (in Keras's order, with
// the shapes Keras creates them with) and the attributes its IR node carries for the kernel.
//
// Each layer family (one file under layers/) registers its classes in one function listed in
// layer_specs(). A spec for a new class:
//
//   specs.add("Dropout", [](LayerContext& ctx) {
//     return LayerPlan{.outputs = {ctx.input(0)}};  // identity at inference
//   });
//
// Shapes here are Keras's own: batch first, images NHWC, -1 for a size not known before running.
// The IR node of a layer is op `class_name` in domain "keras" (opset = Keras's major version),
// inputs = the layer's input tensors then its weights; the runtime's kernels (runtime/ops/keras/)
// read the attributes set here.
#include <layerscope/graph.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace layerscope::keras {

using KShape = std::vector<int64_t>;             // -1: unknown (None)
std::string kshape_string(const KShape& shape);  // "(None, 28, 28, 1)" as Keras prints it

struct WeightSpec {
  std::string name;  // Keras's variable name: "kernel", "bias", "gamma", ...
  KShape shape;
  // Where Keras 3 keeps it, relative to the layer's group in model.weights.h5 ("vars/0",
  // "cell/vars/1", "forward_layer/cell/vars/0"); "a|b" when Keras versions differ, first found
  // wins.
  std::string keras3_path;
  bool trainable = true;  // for summary's trainable / non-trainable split
};

struct LayerPlan {
  std::vector<KShape> outputs;
  std::vector<WeightSpec> weights;
  // Attributes of the IR node beyond those copied from the config (layer_spec.cpp): normalized
  // values a kernel relies on ("kernel_size" always of the layer's rank, "activation" a name).
  std::map<std::string, Attribute> attributes;
  std::vector<DType> output_dtypes;  // default: all float32
};

class LayerContext {
 public:
  LayerContext(const std::string& class_name, const nlohmann::json& config,
               std::vector<KShape> inputs, int keras_major, std::string where)
      : class_name(class_name),
        config(config),
        inputs(std::move(inputs)),
        keras_major(keras_major),
        where(std::move(where)) {}

  const std::string& class_name;
  const nlohmann::json& config;
  const std::vector<KShape> inputs;
  const int keras_major;    // 2 or 3
  const std::string where;  // "model.h5: layer 'conv2d' (Conv2D)", for errors
  // Per input, the keyword it was passed by ("value"), "" when positional; may be empty.
  std::vector<std::string> input_keywords;
  // The call's keyword arguments that are not tensors ({"use_causal_mask": true}); may be null.
  const nlohmann::json* call_options = nullptr;

  // The i-th input's shape; fails unless the layer has exactly `expected_count` inputs (0: any).
  const KShape& input(std::size_t i, std::size_t expected_count = 1) const;
  // The i-th input's shape, failing unless it has rank `rank` (or at least `rank` with or_more).
  const KShape& input_of_rank(std::size_t i, std::size_t rank, bool or_more = false) const;

  bool has(const std::string& key) const;  // present and not null
  int64_t get_int(const std::string& key, int64_t fallback) const;
  int64_t get_int(const std::string& key) const;  // required
  double get_float(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  // An int or a list of ints, as `n` values ("kernel_size": 3 -> {3, 3} for n = 2).
  std::vector<int64_t> get_ints(const std::string& key, std::size_t n,
                                const std::vector<int64_t>& fallback) const;
  // Axes (an int or a list) of an input of shape `in`, made non-negative, in the config's order;
  // fails on the batch axis, an axis outside the input, a repeat or an empty list.
  std::vector<int64_t> get_axes(const std::string& key, const KShape& in,
                                int64_t fallback = -1) const;
  // The activation's name ("relu"), whether the config holds a name or a serialized function;
  // "linear" when absent.
  std::string get_activation(const std::string& key = "activation") const;

  [[noreturn]] void fail(const std::string& message) const;
};

using LayerSpecFn = std::function<LayerPlan(LayerContext&)>;

class LayerSpecs {
 public:
  void add(const std::string& class_name, LayerSpecFn fn) { specs_[class_name] = std::move(fn); }
  const LayerSpecFn* find(const std::string& class_name) const;

 private:
  std::map<std::string, LayerSpecFn> specs_;
};

// Every registered class; built on first use.
const LayerSpecs& layer_specs();

// One per family file under layers/.
void register_core_layers(LayerSpecs& specs);
void register_recurrent_layers(LayerSpecs& specs);
void register_wrapper_layers(LayerSpecs& specs);
void register_merge_layers(LayerSpecs& specs);
void register_layer_norm_layers(LayerSpecs& specs);
void register_embedding_layers(LayerSpecs& specs);
void register_preprocessing_layers(LayerSpecs& specs);
void register_attention_layers(LayerSpecs& specs);
void register_conv_layers(LayerSpecs& specs);
void register_pool_layers(LayerSpecs& specs);
void register_spatial_layers(LayerSpecs& specs);
void register_normalization_layers(LayerSpecs& specs);

// Helpers shared by the families.
Attribute int_attr(int64_t v);
Attribute ints_attr(std::vector<int64_t> v);
Attribute float_attr(double v);
Attribute string_attr(std::string v);
// Output length of a windowed op along one axis with TF's padding ("valid" or "same"), -1 when
// the input length is unknown.
int64_t window_output(int64_t length, int64_t kernel, int64_t stride, int64_t dilation,
                      const std::string& padding);

}  // namespace layerscope::keras
