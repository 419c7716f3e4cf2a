#pragma once
// A host tensor: dtype, shape and a contiguous row-major buffer that may be shared.
//
//   layerscope::Tensor t = layerscope::Tensor::zeros(layerscope::DType::Float32, {2, 3});
//   t.data<float>()[0] = 1.0f;
//
// Copying a Tensor shares its buffer (it is a handle), so an observer that wants to keep a tensor
// past its callback simply copies the handle; the buffer lives until the last handle goes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace layerscope {

// Numbered as ONNX's TensorProto.DataType, which most formats and tools agree with.
enum class DType : int {
  Undefined = 0,
  Float32 = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Float64 = 11,
  UInt32 = 12,
  UInt64 = 13,
  Complex64 = 14,
  Complex128 = 15,
  BFloat16 = 16,
};

// Lower-case name as numpy spells it ("float32", "int64", "bool", ...).
std::string dtype_name(DType dtype);
// Bytes per element; 0 for String and Undefined.
std::size_t dtype_size(DType dtype);
bool dtype_is_floating(DType dtype);

using Shape = std::vector<int64_t>;
int64_t element_count(const Shape& shape);
// "1x3x224x224"; "scalar" for rank 0.
std::string shape_string(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  // A new zero-filled buffer.
  static Tensor zeros(DType dtype, Shape shape);
  // Wraps memory owned by `owner` (kept alive as long as any copy of this Tensor).
  static Tensor wrap(DType dtype, Shape shape, void* data, std::shared_ptr<void> owner);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const { return element_count(shape_); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }
  bool defined() const { return dtype_ != DType::Undefined; }

  void* raw() const { return data_; }
  template <typename T>
  T* data() const {
    return static_cast<T*>(data_);
  }

 private:
  DType dtype_ = DType::Undefined;
  Shape shape_;
  void* data_ = nullptr;
  std::shared_ptr<void> owner_;
};

// Every element as a double (complex: real and imaginary parts interleaved). For tests and tools,
// not hot paths.
std::vector<double> to_doubles(const Tensor& tensor);

}  // namespace layerscope
