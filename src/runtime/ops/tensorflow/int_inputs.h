#pragma once
// How the TensorFlow array ops read their small integer inputs (a shape, an axis, begins,
// multiples) and guard the tensors those inputs size. A bogus integer input is one clear error
// naming the node, never a crash or an allocation larger than the machine.
#include "runtime/kernel.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime::tf {

// "node 'x' (Reshape): <message>", thrown as layerscope::Error.
[[noreturn]] void fail_at(const std::string& where, const std::string& message);
// "[2,3,4]"
std::string dims_string(at::IntArrayRef dims);

// The values of an int32/int64 input of rank 0 or 1; `what` names it in errors ("shape").
std::vector<int64_t> int_list(const at::Tensor& t, const std::string& what,
                              const std::string& where);
// The value of an int32/int64 input holding one element (a scalar, or TF's legacy [1]).
int64_t int_scalar(const at::Tensor& t, const std::string& what, const std::string& where);

// An integer input read and checked once at load when it is a Const, else at every run.
class IntInput {
 public:
  IntInput(const KernelInit& init, std::size_t input, std::string what);
  std::vector<int64_t> list(const KernelContext& ctx) const;
  int64_t scalar(const KernelContext& ctx) const;

 private:
  std::optional<std::vector<int64_t>> fixed_list_;
  std::optional<int64_t> fixed_scalar_;
  std::size_t input_;
  std::string what_;
  std::string where_;
};

// The dtype a type attribute ("out_type", "Tidx") names when it is int32 or int64 (`fallback`
// when absent); fails naming the node otherwise.
at::ScalarType index_dtype(const KernelInit& init, const std::string& attr,
                           at::ScalarType fallback = at::kInt);

// Throws unless `dims` are non-negative and a tensor of that shape fits in this machine's memory
// (a product that overflows int64 does not). `what` names the tensor ("the output").
void check_fits_in_memory(const std::vector<int64_t>& dims, at::ScalarType dtype,
                          const std::string& what, const std::string& where);

// A possibly negative axis of a rank-`rank` tensor, checked against [-rank, rank).
int64_t resolve_axis(int64_t axis, int64_t rank, const std::string& what, const std::string& where);

}  // namespace layerscope::runtime::tf
