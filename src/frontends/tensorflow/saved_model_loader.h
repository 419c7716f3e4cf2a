#pragma once
// Opens a SavedModel directory: saved_model.pb (or saved_model.pbtxt) = SavedModel{meta_graphs},
// the meta graph tagged "serve" (or the only one), one of its signatures (default
// "serving_default"), the nodes that signature's outputs need with TF 2's function calls inlined
// (function_inliner.h), and the variables' values from variables/variables.{index,data-*}
// (tensor_bundle.h, variable_binding.h). The graph IR is then built as for a frozen graph.
#include <layerscope/graph.h>

#include <string>

namespace layerscope::tensorflow_frontend {

// Whether `path` names a SavedModel: a directory, or a file named saved_model.pb(txt).
bool is_saved_model_path(const std::string& path);

// Throws Error naming the directory and the problem: no saved_model.pb, a truncated or corrupt
// one, no meta graph to choose, a signature that does not exist (listing those that do), a
// variable with no value in the checkpoint, a damaged checkpoint. `signature` "" is
// "serving_default" (or the only signature when there is no "serving_default").
Model load_saved_model(const std::string& path, const std::string& signature);

}  // namespace layerscope::tensorflow_frontend
