#include "frontends/onnx/tensor_proto.h"

#include <layerscope/error.h>
#include <layerscope/onnx.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace layerscope::onnx_frontend {
namespace {

// Copies a repeated proto field into the tensor buffer, narrowing each element to T.
template <typename T, typename Field>
void copy_field(const Field& field, Tensor& tensor, std::size_t per_element,
                const std::string& where) {
  const std::size_t count = static_cast<std::size_t>(tensor.numel()) * per_element;
  if (static_cast<std::size_t>(field.size()) != count)
    throw Error(where + ": holds " + std::to_string(field.size()) + " values; expected " +
                std::to_string(count) + " for shape " + shape_string(tensor.shape()));
  T* out = tensor.data<T>();
  for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<T>(field.Get(static_cast<int>(i)));
}

}  // namespace

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where) {
  const auto dtype = static_cast<DType>(proto.data_type());
  if (dtype == DType::String) throw Error(where + ": string tensors are not supported");
  if (dtype_size(dtype) == 0)
    throw Error(where + ": unsupported tensor data type " + std::to_string(proto.data_type()));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(where + ": external data was not resolved");
  if (proto.has_segment()) throw Error(where + ": segmented tensors are not supported");
  Shape shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape)
    if (d < 0) throw Error(where + ": negative dimension in shape " + shape_string(shape));
  Tensor tensor = Tensor::zeros(dtype, shape);
  const std::size_t nbytes = tensor.nbytes();

  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != nbytes)
      throw Error(where + ": raw data is " + std::to_string(proto.raw_data().size()) +
                  " bytes; expected " + std::to_string(nbytes) + " for " + dtype_name(dtype) + " " +
                  shape_string(shape));
    std::memcpy(tensor.raw(), proto.raw_data().data(), nbytes);
    return tensor;
  }
  switch (dtype) {
    case DType::Float32:
      copy_field<float>(proto.float_data(), tensor, 1, where);
      break;
    case DType::Complex64:
      copy_field<float>(proto.float_data(), tensor, 2, where);
      break;
    case DType::Float64:
      copy_field<double>(proto.double_data(), tensor, 1, where);
      break;
    case DType::Complex128:
      copy_field<double>(proto.double_data(), tensor, 2, where);
      break;
    case DType::Int64:
      copy_field<int64_t>(proto.int64_data(), tensor, 1, where);
      break;
    case DType::UInt32:
      copy_field<uint32_t>(proto.uint64_data(), tensor, 1, where);
      break;
    case DType::UInt64:
      copy_field<uint64_t>(proto.uint64_data(), tensor, 1, where);
      break;
    case DType::Int32:
      copy_field<int32_t>(proto.int32_data(), tensor, 1, where);
      break;
    case DType::Int16:
      copy_field<int16_t>(proto.int32_data(), tensor, 1, where);
      break;
    case DType::Int8:
      copy_field<int8_t>(proto.int32_data(), tensor, 1, where);
      break;
    case DType::UInt16:
      copy_field<uint16_t>(proto.int32_data(), tensor, 1, where);
      break;
    case DType::UInt8:
      copy_field<uint8_t>(proto.int32_data(), tensor, 1, where);
      break;
    case DType::Bool:
      copy_field<uint8_t>(proto.int32_data(), tensor, 1, where);
      break;
    // float16 and bfloat16 travel as their bit patterns in int32_data.
    case DType::Float16:
    case DType::BFloat16:
      copy_field<uint16_t>(proto.int32_data(), tensor, 1, where);
      break;
    default:
      throw Error(where + ": unsupported tensor data type " + dtype_name(dtype));
  }
  return tensor;
}

}  // namespace layerscope::onnx_frontend

namespace layerscope {

Tensor load_onnx_tensor(const std::string& path, std::string* name) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("cannot read tensor file '" + path + "': " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << file.rdbuf();
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes.str()))
    throw Error("'" + path + "' is not a serialized ONNX TensorProto (corrupt or truncated?)");
  if (name) *name = proto.name();
  return onnx_frontend::tensor_from_proto(proto, "tensor file '" + path + "'");
}

}  // namespace layerscope
