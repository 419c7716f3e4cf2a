// Opening a model by its content: ONNX protobufs, Keras HDF5 files and .keras archives.
#include <layerscope/keras.h>
#include <layerscope/model.h>
#include <layerscope/onnx.h>

namespace layerscope {

Model load_model(const std::string& path, const ModelLoadOptions& options) {
  // An ONNX file is a protobuf with no magic number; the formats that have one are told first.
  if (looks_like_keras(path)) return load_keras(path, {.config_path = options.keras_config});
  return load_onnx(path);
}

}  // namespace layerscope
