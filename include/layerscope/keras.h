#pragma once
// The Keras frontend: reads a Keras model file into the graph IR, with no TensorFlow.
//
//   layerscope::Model model = layerscope::load_keras("model.h5");     // Keras 2 (tf.keras)
//   layerscope::Model model3 = layerscope::load_keras("model.keras");  // Keras 3
//
// Formats are told apart by content, not by name: HDF5 (`model.save("m.h5")`, Keras 2 and
// Keras 3's legacy format) and the Keras 3 zip (`config.json` + `model.weights.h5`). Sequential
// and Functional models load, nested models too; each Keras layer call is one node named as the
// layer (`outer/inner` inside a nested model, `name@1` for a shared layer's second call) in op
// domain "keras", its tensors in Keras's own layout (images NHWC, batch first). A layer class
// layerscope cannot run (a Lambda, a custom class) is refused with its name and class; the Python
// code a Lambda carries is never read.
#include <layerscope/graph.h>

#include <string>

namespace layerscope {

struct KerasLoadOptions {
  // The architecture as JSON (`model.to_json()`), for a weights-only file (`save_weights`).
  std::string config_path;
};

// Throws Error naming the file and the problem.
Model load_keras(const std::string& path, const KerasLoadOptions& options = {});

// Whether the file's first bytes are those of a format load_keras reads (HDF5 or zip).
bool looks_like_keras(const std::string& path);

}  // namespace layerscope
