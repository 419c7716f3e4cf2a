#pragma once
// layerscope::Tensor <-> at::Tensor without copying where the layout allows.
#include <layerscope/tensor.h>

#include <ATen/ATen.h>

#include <string>

namespace layerscope::runtime {

// Throws Error naming `where` for dtypes ATen 1.13 lacks (uint16/32/64, string).
at::ScalarType to_scalar_type(DType dtype, const std::string& where);
DType to_dtype(at::ScalarType type);

// Shares the buffer; the at::Tensor keeps the layerscope handle alive.
at::Tensor to_aten(const Tensor& tensor, const std::string& where);
// Shares the storage of a contiguous tensor (copies a non-contiguous one).
Tensor from_aten(const at::Tensor& tensor);

}  // namespace layerscope::runtime
