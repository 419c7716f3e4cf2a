#pragma once
// Opening a model whatever its format, recognised by content:
//
//   layerscope::Model model = layerscope::load_model("model.h5");  // or .onnx, .keras
//
// ONNX protobufs go to load_onnx, HDF5 files and zip archives to load_keras.
#include <layerscope/graph.h>

#include <string>

namespace layerscope {

struct ModelLoadOptions {
  std::string keras_config;  // KerasLoadOptions::config_path, for Keras weights-only files
};

Model load_model(const std::string& path, const ModelLoadOptions& options = {});

}  // namespace layerscope
