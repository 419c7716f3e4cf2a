#include "runtime/ops/tensorflow/int_inputs.h"

#include <layerscope/error.h>
#include <layerscope/tensor.h>

#include "runtime/tensor_bridge.h"

#include <unistd.h>

#include <limits>
#include <utility>

namespace layerscope::runtime::tf {
namespace {

void check_integer_input(const at::Tensor& t, const std::string& what, const std::string& where) {
  const at::ScalarType type = t.scalar_type();
  if (type != at::kInt && type != at::kLong)
    fail_at(where, what + " is " + dtype_name(to_dtype(type)) + "; expected int32 or int64");
}

// Physical memory: no tensor larger than this can be made, so a shape asking for more is bogus.
std::size_t memory_bytes() {
  static const std::size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    return pages > 0 && page_size > 0
               ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size)
               : std::numeric_limits<std::size_t>::max();
  }();
  return bytes;
}

}  // namespace

void fail_at(const std::string& where, const std::string& message) {
  throw Error(where + ": " + message);
}

std::string dims_string(at::IntArrayRef dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? "," : "") + std::to_string(dims[i]);
  return text + "]";
}

std::vector<int64_t> int_list(const at::Tensor& t, const std::string& what,
                              const std::string& where) {
  check_integer_input(t, what, where);
  if (t.dim() > 1)
    fail_at(where, what + " has shape " + dims_string(t.sizes()) + "; expected a vector");
  return to_int64_vector(t);
}

int64_t int_scalar(const at::Tensor& t, const std::string& what, const std::string& where) {
  check_integer_input(t, what, where);
  if (t.numel() != 1 || t.dim() > 1)
    fail_at(where, what + " has shape " + dims_string(t.sizes()) + "; expected a scalar");
  return t.to(at::kLong).item<int64_t>();
}

IntInput::IntInput(const KernelInit& init, std::size_t input, std::string what)
    : input_(input), what_(std::move(what)), where_(init.where()) {
  if (!init.has_input(input))
    fail(init, "has no input " + std::to_string(input) + " (" + what_ + ")");
  const at::Tensor constant = init.constant_input(input);
  if (!constant.defined()) return;
  // Whether the op wants a list or a scalar is known only at the first call: keep what fits.
  fixed_list_ = int_list(constant, what_, where_);
  if (fixed_list_->size() == 1) fixed_scalar_ = (*fixed_list_)[0];
}

std::vector<int64_t> IntInput::list(const KernelContext& ctx) const {
  if (fixed_list_) return *fixed_list_;
  return int_list(ctx.inputs.at(input_), what_, where_);
}

int64_t IntInput::scalar(const KernelContext& ctx) const {
  if (fixed_scalar_) return *fixed_scalar_;
  return int_scalar(ctx.inputs.at(input_), what_, where_);
}

at::ScalarType index_dtype(const KernelInit& init, const std::string& attr,
                           at::ScalarType fallback) {
  const std::string name = init.node.attr_string(attr, fallback == at::kLong ? "int64" : "int32");
  if (name == "int32") return at::kInt;
  if (name == "int64") return at::kLong;
  fail(init, attr + " is " + name + "; expected int32 or int64");
}

void check_fits_in_memory(const std::vector<int64_t>& dims, at::ScalarType dtype,
                          const std::string& what, const std::string& where) {
  for (int64_t d : dims)
    if (d < 0)
      fail_at(where,
              what + " would have shape " + dims_string(dims) + "; expected no negative dimension");
    else if (d == 0)
      return;  // empty, however large the other dimensions
  const std::size_t limit = memory_bytes() / at::elementSize(dtype);
  std::size_t count = 1;
  bool too_big = false;
  for (int64_t d : dims) {
    too_big = too_big || count > limit / static_cast<std::size_t>(d);
    if (!too_big) count *= static_cast<std::size_t>(d);
  }
  if (too_big)
    fail_at(where, what + " would have shape " + dims_string(dims) + ", more than the " +
                       std::to_string(memory_bytes()) + " bytes of this machine's memory");
}

int64_t resolve_axis(int64_t axis, int64_t rank, const std::string& what,
                     const std::string& where) {
  if (axis < -rank || axis >= rank)
    fail_at(where, what + " " + std::to_string(axis) + " is out of range for a rank-" +
                       std::to_string(rank) + " input; expected " + std::to_string(-rank) + ".." +
                       std::to_string(rank - 1));
  return axis < 0 ? axis + rank : axis;
}

}  // namespace layerscope::runtime::tf
