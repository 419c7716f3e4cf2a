#pragma once
// How a real value becomes a quantized integer, shared by QuantizeLinear, DynamicQuantizeLinear
// and the requantizing QLinearConv and QLinearMatMul, so that all of them round and saturate alike.
#include "runtime/kernel.h"

#include <string>

namespace layerscope::runtime {

// The integer range of a type quantized outputs may take.
struct QuantizedRange {
  double min;
  double max;
};

// A quantized output takes its zero point's type: uint8 or int8 (int16 from opset 21).
inline QuantizedRange quantized_range(at::ScalarType type, const std::string& where) {
  switch (type) {
    case at::kByte:
      return {0, 255};
    case at::kChar:
      return {-128, 127};
    case at::kShort:
      return {-32768, 32767};
    default:
      throw Error(where + ": quantized type is " + std::string(c10::toString(type)) +
                  "; expected uint8, int8 or int16");
  }
}

// rint(scaled) + zero_point, saturated to `type` and returned as `type`. ONNX rounds half to even
// (numpy's rint, which at::round matches) and clamps out-of-range values rather than wrapping.
// `zero_point` may be undefined (zero) and must broadcast against `scaled`.
inline at::Tensor requantize(const at::Tensor& scaled, const at::Tensor& zero_point,
                             at::ScalarType type, const std::string& where) {
  const QuantizedRange range = quantized_range(type, where);
  at::Tensor y = at::round(scaled);
  if (zero_point.defined()) y = y + zero_point.to(y.scalar_type());
  return y.clamp(range.min, range.max).to(type);
}

}  // namespace layerscope::runtime
