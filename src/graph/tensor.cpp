#include <layerscope/error.h>
#include <layerscope/tensor.h>

#include <cstdlib>
#include <cstring>

namespace layerscope {

std::string dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return "float32";
    case DType::UInt8:
      return "uint8";
    case DType::Int8:
      return "int8";
    case DType::UInt16:
      return "uint16";
    case DType::Int16:
      return "int16";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    case DType::String:
      return "string";
    case DType::Bool:
      return "bool";
    case DType::Float16:
      return "float16";
    case DType::Float64:
      return "float64";
    case DType::UInt32:
      return "uint32";
    case DType::UInt64:
      return "uint64";
    case DType::Complex64:
      return "complex64";
    case DType::Complex128:
      return "complex128";
    case DType::BFloat16:
      return "bfloat16";
    case DType::Undefined:
      break;
  }
  return "undefined";
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Bool:
    case DType::UInt8:
    case DType::Int8:
      return 1;
    case DType::UInt16:
    case DType::Int16:
    case DType::Float16:
    case DType::BFloat16:
      return 2;
    case DType::Float32:
    case DType::Int32:
    case DType::UInt32:
      return 4;
    case DType::Float64:
    case DType::Int64:
    case DType::UInt64:
    case DType::Complex64:
      return 8;
    case DType::Complex128:
      return 16;
    case DType::String:
    case DType::Undefined:
      break;
  }
  return 0;
}

bool dtype_is_floating(DType dtype) {
  return dtype == DType::Float32 || dtype == DType::Float64 || dtype == DType::Float16 ||
         dtype == DType::BFloat16;
}

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_string(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

Tensor Tensor::zeros(DType dtype, Shape shape) {
  for (int64_t d : shape)
    if (d < 0) throw Error("tensor shape " + shape_string(shape) + " has a negative dimension");
  const std::size_t bytes = static_cast<std::size_t>(element_count(shape)) * dtype_size(dtype);
  // calloc: zero pages cost nothing until written; +1 keeps empty tensors non-null.
  void* memory = std::calloc(bytes + 1, 1);
  if (!memory) throw Error("cannot allocate " + std::to_string(bytes) + " bytes for a tensor");
  std::shared_ptr<void> owner(memory, std::free);
  return wrap(dtype, std::move(shape), memory, std::move(owner));
}

Tensor Tensor::wrap(DType dtype, Shape shape, void* data, std::shared_ptr<void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  t.owner_ = std::move(owner);
  return t;
}

}  // namespace layerscope

#include "graph/half.h"

namespace layerscope {
namespace detail {

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: renormalize
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400u)) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace detail

std::vector<double> to_doubles(const Tensor& tensor) {
  const int64_t n = tensor.numel();
  std::vector<double> out(static_cast<std::size_t>(n));
  auto fill = [&](auto* p, auto convert) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<double>(convert(p[i]));
  };
  auto same = [](auto v) { return v; };
  switch (tensor.dtype()) {
    case DType::Float32:
      fill(tensor.data<float>(), same);
      break;
    case DType::Float64:
      fill(tensor.data<double>(), same);
      break;
    case DType::Float16:
      fill(tensor.data<uint16_t>(), detail::half_to_float);
      break;
    case DType::BFloat16:
      fill(tensor.data<uint16_t>(), detail::bfloat16_to_float);
      break;
    case DType::Bool:
    case DType::UInt8:
      fill(tensor.data<uint8_t>(), same);
      break;
    case DType::Int8:
      fill(tensor.data<int8_t>(), same);
      break;
    case DType::UInt16:
      fill(tensor.data<uint16_t>(), same);
      break;
    case DType::Int16:
      fill(tensor.data<int16_t>(), same);
      break;
    case DType::Int32:
      fill(tensor.data<int32_t>(), same);
      break;
    case DType::UInt32:
      fill(tensor.data<uint32_t>(), same);
      break;
    case DType::Int64:
      fill(tensor.data<int64_t>(), same);
      break;
    case DType::UInt64:
      fill(tensor.data<uint64_t>(), same);
      break;
    case DType::Complex64:  // real and imaginary parts interleaved
      out.resize(static_cast<std::size_t>(2 * n));
      for (int64_t i = 0; i < 2 * n; ++i) out[i] = tensor.data<float>()[i];
      break;
    case DType::Complex128:
      out.resize(static_cast<std::size_t>(2 * n));
      for (int64_t i = 0; i < 2 * n; ++i) out[i] = tensor.data<double>()[i];
      break;
    default:
      throw Error("cannot read a " + dtype_name(tensor.dtype()) + " tensor as numbers");
  }
  return out;
}

}  // namespace layerscope
