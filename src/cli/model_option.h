#pragma once
// The MODEL argument every command that opens a model takes, with the options of opening it
// (--config: the architecture of a Keras weights-only file; --signature: a SavedModel's
// signature), added in one place.
#include <layerscope/graph.h>
#include <layerscope/model.h>

#include <CLI/CLI.hpp>

#include <string>

namespace layerscope::cli {

struct ModelOption {
  std::string path;
  ModelLoadOptions load;
};

// Adds the MODEL positional, --config and --signature; returns the positional (required unless the command
// has another way to be given its model).
CLI::Option* add_model_option(CLI::App& command, ModelOption& model);

// load_model(model.path, model.load).
Model open_model(const ModelOption& model);

}  // namespace layerscope::cli
