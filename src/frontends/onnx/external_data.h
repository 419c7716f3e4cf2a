#pragma once
// Resolves tensors stored as ONNX external data into inline raw_data, refusing any location that
// resolves outside the model's folder.
#include <onnx/onnx_pb.h>

#include <string>

namespace layerscope::onnx_frontend {

// Inlines every external tensor of the model (initializers, Constant attributes, subgraphs).
void inline_external_data(onnx::ModelProto& model, const std::string& model_path);

}  // namespace layerscope::onnx_frontend
