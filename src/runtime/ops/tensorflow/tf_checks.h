#pragma once
// What TensorFlow's kernels check of their inputs, shared by the math kernels: how many inputs a
// node has, and TF's dtype rules. TF never promotes: both operands of a binary op have one type and
// the result keeps it (int32 + int32 is int32, int32 / int32 truncates), so ATen's promotions
// (int / int -> float, erf(int) -> float) must never reach the graph. Type attributes (DstT,
// dtype, out_type) carry numpy's names in the IR ("float32", "int64").
#include "runtime/kernel.h"
#include "runtime/tensor_bridge.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

namespace layerscope::runtime::tf {

// numpy's name of an ATen type: "float32", "int64", "bool".
inline std::string type_name(at::ScalarType type) { return dtype_name(to_dtype(type)); }

// Fails naming the node unless it has exactly `count` data inputs (a malformed graph otherwise);
// `names` lists them for the message ("input, filter").
inline void require_inputs(const KernelInit& init, std::size_t count,
                           const std::string& names = "") {
  if (init.input_count() != count)
    fail(init, "has " + std::to_string(init.input_count()) + " inputs; expected " +
                   std::to_string(count) + (names.empty() ? "" : " (" + names + ")"));
}

// The ATen type a type attribute names, or `fallback` when the node lacks it; fails naming the
// node when there is neither, or for a type ATen cannot hold (uint32, string, resource).
inline at::ScalarType dtype_attr(const KernelInit& init, const std::string& attr,
                                 std::optional<at::ScalarType> fallback) {
  const Attribute* a = init.node.find_attribute(attr);
  if (a == nullptr) {
    if (!fallback) fail(init, "has no type attribute '" + attr + "'");
    return *fallback;
  }
  if (a->kind != Attribute::Kind::String) fail(init, "attribute '" + attr + "' is not a type");
  for (int d = 1; d <= static_cast<int>(DType::BFloat16); ++d)
    if (dtype_name(static_cast<DType>(d)) == a->s)
      return to_scalar_type(static_cast<DType>(d), init.where());
  fail(init, attr + " is '" + a->s + "', a type the runtime cannot compute with");
}

// The kinds of element types a TF op's kernels take.
enum class Accepts { Numbers, Floats, Integers, Bools };

inline bool accepts(Accepts kind, at::ScalarType type) {
  switch (kind) {
    case Accepts::Numbers:
      return type != at::kBool && (at::isFloatingType(type) || at::isIntegralType(type, false));
    case Accepts::Floats:
      return at::isFloatingType(type);
    case Accepts::Integers:
      return at::isIntegralType(type, /*includeBool=*/false);
    case Accepts::Bools:
      return type == at::kBool;
  }
  return false;
}

// Throws (the executor adds the node) when `x`'s type is not one the op has a kernel for.
inline void require(const at::Tensor& x, Accepts kind) {
  if (accepts(kind, x.scalar_type())) return;
  static const char* const expected[] = {"a number type (integer or float)",
                                         "a float type (float16, bfloat16, float32, float64)",
                                         "an integer type", "bool"};
  throw Error("input is " + type_name(x.scalar_type()) + "; expected " +
              expected[static_cast<int>(kind)]);
}

// Throws when two operands differ in type: TF refuses to build such a node.
inline void require_same_type(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type())
    throw Error("inputs are " + type_name(a.scalar_type()) + " and " + type_name(b.scalar_type()) +
                "; TensorFlow takes one type for both");
}

// Whether two shapes broadcast together as numpy's do.
inline bool broadcastable(at::IntArrayRef a, at::IntArrayRef b) {
  for (std::size_t i = 1; i <= std::min(a.size(), b.size()); ++i) {
    const int64_t x = a[a.size() - i], y = b[b.size() - i];
    if (x != y && x != 1 && y != 1) return false;
  }
  return true;
}

}  // namespace layerscope::runtime::tf
