#pragma once
// ONNX TensorProto <-> layerscope::Tensor.
#include <layerscope/tensor.h>

#include <onnx/onnx_pb.h>

#include <string>

namespace layerscope::onnx_frontend {

// Converts a tensor whose data is inline (raw_data or typed fields). `where` names it in errors.
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where);
// The same, but raw_data is moved into the tensor instead of copied (the proto loses it).
Tensor take_tensor_from_proto(onnx::TensorProto& proto, const std::string& where);

}  // namespace layerscope::onnx_frontend
