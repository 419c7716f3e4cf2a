#pragma once
// Where a layer's saved weights are, in each of the layouts Keras writes:
//   - Keras 2 `.h5` (and Keras 3's legacy `.h5`): `model_weights/<layer>/` with attribute
//     `weight_names` listing its datasets in Keras's order; a nested model's group lists the
//     weights of all its layers, named `<inner layer>/<variable>` (Keras 3 prefixes the outer
//     model's name and drops TensorFlow's ":0").
//   - Keras 3 `model.weights.h5`: `layers/<snake_case class>[_N]/vars/0..k`, N counting layers of
//     the same class within one container; nested models nest as `layers/<name>/layers/...`.
#include "frontends/keras/hdf5_file.h"
#include "frontends/keras/keras_config.h"
#include "frontends/keras/layer_spec.h"

#include <layerscope/tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace layerscope::keras {

class WeightStore {
 public:
  virtual ~WeightStore() = default;
  // The weights of layer `index` of `container`, matched to `specs` (count, order and shapes
  // checked, converted to float32); `where` names the layer in errors.
  virtual std::vector<Tensor> weights(const Container& container, std::size_t index,
                                      const std::vector<WeightSpec>& specs,
                                      const std::string& where) = 0;
  // The store of a nested model, layer `index` of `container`.
  virtual std::unique_ptr<WeightStore> nested(const Container& container, std::size_t index) = 0;
};

// `model_weights` of a Keras 2 / legacy .h5 (or the root of a save_weights file).
std::unique_ptr<WeightStore> keras2_weight_store(Hdf5Group model_weights);
// The root of a Keras 3 model.weights.h5.
std::unique_ptr<WeightStore> keras3_weight_store(Hdf5Group root);
// For a model without weights in the file (a config alone): any weight is an error.
std::unique_ptr<WeightStore> empty_weight_store(const std::string& file);

// Keras's naming of a class as a group: "Conv2DTranspose" -> "conv2d_transpose".
std::string snake_case(const std::string& class_name);

}  // namespace layerscope::keras
