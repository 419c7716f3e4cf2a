#pragma once
// The TensorFlow frontend: reads a TensorFlow graph into the graph IR, with no TensorFlow.
//
//   layerscope::Model frozen = layerscope::load_tensorflow("frozen_inference_graph.pb");
//   layerscope::Model saved = layerscope::load_tensorflow("exported_model/", {.signature =
//   "serve"});
//
// A GraphDef file (binary `.pb`, or text `.pbtxt`) or a SavedModel directory. Each TF node is one
// IR node named as in TensorFlow ("model/dense/MatMul", op domain "tensorflow"); its outputs are
// named as TF names tensors ("split", "split:1"); tensors keep TF's layout (NHWC). Placeholders
// are the inputs, by their node names.
#include <layerscope/graph.h>

#include <string>

namespace layerscope {

struct TensorFlowLoadOptions {
  // The SavedModel signature to run; "" is "serving_default".
  std::string signature;
};

// Throws Error naming the file and the problem.
Model load_tensorflow(const std::string& path, const TensorFlowLoadOptions& options = {});

// Whether `path` is something load_tensorflow reads: a SavedModel directory, a saved_model.pb, or
// a file that starts as a GraphDef does (its first field is a node).
bool looks_like_tensorflow(const std::string& path);

}  // namespace layerscope
