#include "cli/model_option.h"

namespace layerscope::cli {

CLI::Option* add_model_option(CLI::App& command, ModelOption& model) {
  CLI::Option* positional = command.add_option(
      "model", model.path,
      "Model: ONNX (.onnx), Keras (.h5, .keras), TensorFlow (frozen GraphDef .pb, "
      "SavedModel directory)");
  command
      .add_option("--config", model.load.keras_config,
                  "For a Keras weights-only file (model.save_weights): the architecture as JSON "
                  "(model.to_json())")
      ->check(CLI::ExistingFile);
  command.add_option("--signature", model.load.signature,
                     "For a TensorFlow SavedModel: the signature to run (default serving_default)");
  return positional;
}

Model open_model(const ModelOption& model) { return load_model(model.path, model.load); }

}  // namespace layerscope::cli
