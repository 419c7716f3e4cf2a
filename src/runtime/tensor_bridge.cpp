#include "runtime/tensor_bridge.h"

#include <layerscope/error.h>

namespace layerscope::runtime {

at::ScalarType to_scalar_type(DType dtype, const std::string& where) {
  switch (dtype) {
    case DType::Float32:
      return at::kFloat;
    case DType::Float64:
      return at::kDouble;
    case DType::Float16:
      return at::kHalf;
    case DType::BFloat16:
      return at::kBFloat16;
    case DType::UInt8:
      return at::kByte;
    case DType::Int8:
      return at::kChar;
    case DType::Int16:
      return at::kShort;
    case DType::Int32:
      return at::kInt;
    case DType::Int64:
      return at::kLong;
    case DType::Bool:
      return at::kBool;
    case DType::Complex64:
      return at::kComplexFloat;
    case DType::Complex128:
      return at::kComplexDouble;
    default:
      break;
  }
  throw Error(where + ": dtype " + dtype_name(dtype) + " is not supported by the ATen runtime");
}

DType to_dtype(at::ScalarType type) {
  switch (type) {
    case at::kFloat:
      return DType::Float32;
    case at::kDouble:
      return DType::Float64;
    case at::kHalf:
      return DType::Float16;
    case at::kBFloat16:
      return DType::BFloat16;
    case at::kByte:
      return DType::UInt8;
    case at::kChar:
      return DType::Int8;
    case at::kShort:
      return DType::Int16;
    case at::kInt:
      return DType::Int32;
    case at::kLong:
      return DType::Int64;
    case at::kBool:
      return DType::Bool;
    case at::kComplexFloat:
      return DType::Complex64;
    case at::kComplexDouble:
      return DType::Complex128;
    default:
      break;
  }
  throw Error(std::string("ATen dtype ") + c10::toString(type) + " has no layerscope equivalent");
}

at::Tensor to_aten(const Tensor& tensor, const std::string& where) {
  const at::ScalarType type = to_scalar_type(tensor.dtype(), where);
  Tensor keep = tensor;
  return at::from_blob(
      tensor.raw(), tensor.shape(), [keep](void*) mutable { keep = Tensor(); },
      at::TensorOptions().dtype(type));
}

Tensor from_aten(const at::Tensor& tensor) {
  at::Tensor contiguous = tensor.contiguous();
  auto owner = std::make_shared<at::Tensor>(contiguous);
  std::vector<int64_t> shape(contiguous.sizes().begin(), contiguous.sizes().end());
  return Tensor::wrap(to_dtype(contiguous.scalar_type()), std::move(shape), contiguous.data_ptr(),
                      std::move(owner));
}

}  // namespace layerscope::runtime
