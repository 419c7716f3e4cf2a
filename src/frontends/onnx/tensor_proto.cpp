#include "frontends/onnx/tensor_proto.h"

#include <layerscope/error.h>
#include <layerscope/onnx.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace layerscope::onnx_frontend {
namespace {

// Copies a repeated proto field (already checked to hold `count` values) into `out`.
template <typename T, typename Field>
void copy_field(const Field& field, T* out, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<T>(field.Get(static_cast<int>(i)));
}

// How many values the typed field that carries `dtype` holds.
int typed_value_count(const onnx::TensorProto& proto, DType dtype) {
  switch (dtype) {
    case DType::Float32:
    case DType::Complex64:
      return proto.float_data_size();
    case DType::Float64:
    case DType::Complex128:
      return proto.double_data_size();
    case DType::Int64:
      return proto.int64_data_size();
    case DType::UInt32:
    case DType::UInt64:
      return proto.uint64_data_size();
    default:
      return proto.int32_data_size();  // narrower ints, bool, float16 bit patterns
  }
}

}  // namespace

namespace {

// A tensor's type and size as the proto states them, checked before anything is allocated.
struct Layout {
  DType dtype;
  Shape shape;
  int64_t count = 1;
  std::size_t nbytes = 0;
};

Layout checked_layout(const onnx::TensorProto& proto, const std::string& where) {
  Layout layout{static_cast<DType>(proto.data_type()), {}};
  const DType dtype = layout.dtype;
  if (dtype == DType::String) throw Error(where + ": string tensors are not supported");
  if (dtype_size(dtype) == 0)
    throw Error(where + ": unsupported tensor data type " + std::to_string(proto.data_type()));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(where + ": external data was not resolved");
  if (proto.has_segment()) throw Error(where + ": segmented tensors are not supported");
  layout.shape.assign(proto.dims().begin(), proto.dims().end());
  // A corrupt file (or an optional or sequence value read as a tensor) can claim absurd
  // dimensions.
  constexpr int64_t kMaxElements = int64_t{1} << 38;
  for (int64_t d : layout.shape) {
    if (d < 0) throw Error(where + ": negative dimension in shape " + shape_string(layout.shape));
    if (d > 0 && layout.count > kMaxElements / d)
      throw Error(where + ": shape " + shape_string(layout.shape) +
                  " is implausibly large (corrupt?)");
    layout.count *= d;
  }
  layout.nbytes = static_cast<std::size_t>(layout.count) * dtype_size(dtype);
  if (proto.has_raw_data() && proto.raw_data().size() != layout.nbytes)
    throw Error(where + ": raw data is " + std::to_string(proto.raw_data().size()) +
                " bytes; expected " + std::to_string(layout.nbytes) + " for " + dtype_name(dtype) +
                " " + shape_string(layout.shape));
  return layout;
}

}  // namespace

Tensor take_tensor_from_proto(onnx::TensorProto& proto, const std::string& where) {
  if (!proto.has_raw_data()) return tensor_from_proto(proto, where);
  Layout layout = checked_layout(proto, where);
  // The bytes stay where protobuf put them (a heap block, aligned for any scalar type), owned
  // by the tensor from now on.
  auto bytes = std::make_shared<std::string>(std::move(*proto.mutable_raw_data()));
  proto.clear_raw_data();
  void* data = bytes->data();
  return Tensor::wrap(layout.dtype, std::move(layout.shape), data, std::move(bytes));
}

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& where) {
  const Layout layout = checked_layout(proto, where);
  const DType dtype = layout.dtype;
  const Shape& shape = layout.shape;
  const int64_t count = layout.count;
  if (proto.has_raw_data()) {
    Tensor tensor = Tensor::zeros(dtype, shape);
    std::memcpy(tensor.raw(), proto.raw_data().data(), layout.nbytes);
    return tensor;
  }
  const bool complex = dtype == DType::Complex64 || dtype == DType::Complex128;
  const auto values = static_cast<std::size_t>(count * (complex ? 2 : 1));
  if (static_cast<std::size_t>(typed_value_count(proto, dtype)) != values)
    throw Error(where + ": holds " + std::to_string(typed_value_count(proto, dtype)) +
                " values; expected " + std::to_string(values) + " for " + dtype_name(dtype) + " " +
                shape_string(shape));
  Tensor tensor = Tensor::zeros(dtype, shape);
  switch (dtype) {
    case DType::Float32:
    case DType::Complex64:
      copy_field(proto.float_data(), tensor.data<float>(), values);
      break;
    case DType::Float64:
    case DType::Complex128:
      copy_field(proto.double_data(), tensor.data<double>(), values);
      break;
    case DType::Int64:
      copy_field(proto.int64_data(), tensor.data<int64_t>(), values);
      break;
    case DType::UInt32:
      copy_field(proto.uint64_data(), tensor.data<uint32_t>(), values);
      break;
    case DType::UInt64:
      copy_field(proto.uint64_data(), tensor.data<uint64_t>(), values);
      break;
    case DType::Int32:
      copy_field(proto.int32_data(), tensor.data<int32_t>(), values);
      break;
    case DType::Int16:
      copy_field(proto.int32_data(), tensor.data<int16_t>(), values);
      break;
    case DType::Int8:
      copy_field(proto.int32_data(), tensor.data<int8_t>(), values);
      break;
    case DType::UInt16:
      copy_field(proto.int32_data(), tensor.data<uint16_t>(), values);
      break;
    case DType::UInt8:
    case DType::Bool:
      copy_field(proto.int32_data(), tensor.data<uint8_t>(), values);
      break;
    // float16 and bfloat16 travel as their bit patterns in int32_data.
    case DType::Float16:
    case DType::BFloat16:
      copy_field(proto.int32_data(), tensor.data<uint16_t>(), values);
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
