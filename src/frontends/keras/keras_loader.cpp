// Keras file -> graph IR: tell the format by content, read the config and the weights, and hand
// them to the graph builder.
#include "frontends/keras/graph_builder.h"
#include "frontends/keras/hdf5_file.h"
#include "frontends/keras/keras_archive.h"
#include "frontends/keras/keras_config.h"
#include "frontends/keras/keras_weights.h"

#include <layerscope/error.h>
#include <layerscope/keras.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace layerscope {
namespace keras {
namespace {

using json = nlohmann::json;

json parse_json(const std::string& text, const std::string& where) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(where + " is not valid JSON (" + std::string(e.what()) + ")");
  }
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string first_bytes(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read model " + path);
  std::string bytes(n, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

int major_of(const std::string& version, const std::string& path) {
  if (version.empty()) return 2;
  if (version[0] == '1')
    throw Error(path + ": written by Keras " + version +
                ", whose layer configs predate Keras 2; layerscope reads files of Keras 2 and 3 "
                "(load it in Keras 2 and save it again)");
  return version[0] == '3' ? 3 : 2;
}

// The model config may be a model entry or, from model.to_json(), the same with extra keys.
Model build(const json& config, const std::string& path, int major, const std::string& version,
            WeightStore& store) {
  if (config.is_object() && config.contains("config")) {
    // Keras 1 configs (written without a version) name sizes differently: a Dense's output_dim
    // (Embedding keeps that key in Keras 2 and 3), a convolution's nb_filter.
    const json& inner = config["config"];
    const json layers = inner.is_array()    ? inner
                        : inner.is_object() ? inner.value("layers", json::array())
                                            : json::array();
    for (const json& layer : layers) {
      if (!layer.is_object() || !layer.contains("config") || !layer["config"].is_object()) continue;
      const json& c = layer["config"];
      const std::string cls = layer.value("class_name", "");
      if (c.contains("nb_filter") || cls == "Merge" || cls == "Convolution2D" ||
          (cls == "Dense" && c.contains("output_dim") && !c.contains("units")))
        throw Error(path + ": a Keras 1 model config (" + cls +
                    " layers configured as Keras 1 did); layerscope reads files of Keras 2 and 3");
    }
  }
  const Container top = parse_container(config, path);
  Model model;
  model.path = path;
  model.format = "keras";
  model.producer_name = "keras";
  model.producer_version = version;
  model.graph.name = top.name;
  model.graph.opsets["keras"] = major;
  build_graph(top, path, major, store, model.graph);
  return model;
}

Model load_h5(const std::string& path, const KerasLoadOptions& options) {
  const Hdf5File file = Hdf5File::open(path);
  const Hdf5Group root = file.root();
  std::string version;
  if (root.has_attribute("keras_version")) version = root.string_attribute("keras_version");
  std::string config_text;
  if (root.has_attribute("model_config")) {
    config_text = root.string_attribute("model_config");
  } else if (!options.config_path.empty()) {
    config_text = read_text_file(options.config_path);
  } else if (root.has_attribute("layer_names") || root.has_group("model_weights")) {
    throw Error(path +
                ": a weights-only Keras file (model.save_weights): it holds no "
                "architecture; give the model's JSON (model.to_json()) with --config FILE");
  } else if (root.has_group("layers") || root.has_group("vars")) {
    throw Error(path +
                ": a Keras 3 weights file (model.weights.h5 or save_weights): it holds no "
                "architecture; open the .keras file it came from");
  } else {
    throw Error(path + ": an HDF5 file without a Keras model_config: not a Keras model");
  }
  const json config =
      parse_json(config_text, options.config_path.empty() || root.has_attribute("model_config")
                                  ? path + ": model_config"
                                  : options.config_path);
  const int major = major_of(version, path);
  std::unique_ptr<WeightStore> store;
  if (root.has_group("model_weights"))
    store = keras2_weight_store(root.group("model_weights"));
  else if (root.has_attribute("layer_names"))
    store = keras2_weight_store(root);
  else
    store = empty_weight_store(path);
  return build(config, path, major, version, *store);
}

Model load_keras3(const std::string& path) {
  const KerasArchive archive = read_keras_archive(path);
  std::string version = "3";
  if (!archive.metadata_json.empty()) {
    const json metadata = parse_json(archive.metadata_json, path + ": metadata.json");
    if (metadata.is_object() && metadata.contains("keras_version") &&
        metadata["keras_version"].is_string())
      version = metadata["keras_version"].get<std::string>();
  }
  const json config = parse_json(archive.config_json, path + ": config.json");
  if (!archive.weights_h5) {
    auto store = empty_weight_store(path);
    return build(config, path, major_of(version, path), version, *store);
  }
  const Hdf5File weights = Hdf5File::open_image(archive.weights_h5, path + ":model.weights.h5");
  auto store = keras3_weight_store(weights.root());
  return build(config, path, major_of(version, path), version, *store);
}

}  // namespace
}  // namespace keras

bool looks_like_keras(const std::string& path) {
  const std::string head = keras::first_bytes(path, 8);
  return keras::Hdf5File::has_signature(head) || keras::is_zip_signature(head);
}

Model load_keras(const std::string& path, const KerasLoadOptions& options) {
  const std::string head = keras::first_bytes(path, 8);
  if (keras::Hdf5File::has_signature(head)) return keras::load_h5(path, options);
  if (keras::is_zip_signature(head)) return keras::load_keras3(path);
  throw Error(path + ": not a Keras model (expected an HDF5 file or a .keras zip archive)");
}

}  // namespace layerscope
