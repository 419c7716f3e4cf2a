// Kernels of TensorFlow's padding ops: Pad (zeros), PadV2 (constant_values), MirrorPad (REFLECT:
// the edge not repeated, SYMMETRIC: repeated). paddings is an int32/int64 [rank, 2] tensor of
// (before, after) pairs, read once at load when it is a constant. Any element type.
#include "runtime/ops/tensorflow/int_inputs.h"
#include "runtime/ops/tensorflow/tf_checks.h"
#include "runtime/ops/tensorflow/tf_ops.h"
#include "runtime/registry.h"

#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::add_op;

// (before, after) per axis.
using Pairs = std::vector<std::pair<int64_t, int64_t>>;

// paddings checked against x's rank: shape [rank, 2], no negative amount. Throws.
Pairs read_paddings(const at::Tensor& paddings, int64_t rank) {
  if (paddings.dim() != 2 || paddings.size(0) != rank || paddings.size(1) != 2)
    throw Error("paddings has shape " + c10::str(paddings.sizes()) + "; expected [" +
                std::to_string(rank) + ", 2], a (before, after) pair per axis of the input");
  if (at::isFloatingType(paddings.scalar_type()) || paddings.scalar_type() == at::kBool)
    throw Error("paddings must be int32 or int64");
  const std::vector<int64_t> flat = to_int64_vector(paddings);
  Pairs pairs;
  for (int64_t a = 0; a < rank; ++a) {
    pairs.emplace_back(flat[2 * a], flat[2 * a + 1]);
    if (flat[2 * a] < 0 || flat[2 * a + 1] < 0)
      throw Error("paddings pads axis " + std::to_string(a) + " by (" +
                  std::to_string(flat[2 * a]) + ", " + std::to_string(flat[2 * a + 1]) +
                  "); expected amounts of at least 0");
  }
  return pairs;
}

// The paddings tensor, from the constant read at load or from the run's input.
class PaddingsInput {
 public:
  explicit PaddingsInput(const KernelInit& init) : constant_(init.constant_input(1)) {}
  Pairs get(const KernelContext& ctx) const {
    const at::Tensor& x = ctx.inputs[0];
    return read_paddings(constant_.defined() ? constant_ : ctx.inputs[1], x.dim());
  }

 private:
  at::Tensor constant_;
};

at::Tensor constant_pad(const at::Tensor& x, const Pairs& pairs, const at::Scalar& value) {
  std::vector<int64_t> spec;  // constant_pad_nd lists the last axis first
  for (std::size_t a = pairs.size(); a-- > 0;) {
    spec.push_back(pairs[a].first);
    spec.push_back(pairs[a].second);
  }
  if (x.scalar_type() == at::kBool)  // constant_pad_nd has no bool kernel
    return at::constant_pad_nd(x.to(at::kByte), spec, value.toBool() ? 1 : 0).to(at::kBool);
  return at::constant_pad_nd(x, spec, value);
}

// Pad: inputs input, paddings. PadV2: input, paddings, constant_values (a scalar of x's type).
KernelFactory pad(bool with_value) {
  return [with_value](const KernelInit& init) -> Kernel {
    if (with_value)
      tf::require_inputs(init, 3, "input, paddings, constant_values");
    else
      tf::require_inputs(init, 2, "input, paddings");
    const PaddingsInput paddings(init);
    const std::string where = init.where();
    return [paddings, with_value, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      at::Scalar value = 0;
      if (with_value) {
        const at::Tensor& v = ctx.inputs[2];
        if (v.numel() != 1)
          throw Error("constant_values has shape " + c10::str(v.sizes()) + "; expected a scalar");
        value = v.reshape({}).item();
      }
      const Pairs pairs = paddings.get(ctx);
      std::vector<int64_t> dims;
      for (int64_t a = 0; a < x.dim(); ++a)
        dims.push_back(x.size(a) + pairs[a].first + pairs[a].second);
      tf::check_fits_in_memory(dims, x.scalar_type(), "the output", where);
      return {constant_pad(x, pairs, value)};
    };
  };
}

// The source index of every position of one axis of length n padded by (before, after) with its
// mirror image: REFLECT (offset 1) leaves the edge out, SYMMETRIC (offset 0) repeats it.
at::Tensor mirror_indices(int64_t n, int64_t before, int64_t after, int64_t offset) {
  std::vector<int64_t> index;
  for (int64_t i = before; i > 0; --i) index.push_back(i - 1 + offset);
  for (int64_t i = 0; i < n; ++i) index.push_back(i);
  for (int64_t i = 0; i < after; ++i) index.push_back(n - 1 - i - offset);
  return at::tensor(index, at::kLong);
}

// MirrorPad: inputs input, paddings; mode REFLECT (pads below the axis length) or SYMMETRIC (pads
// up to the axis length).
KernelFactory mirror_pad() {
  return [](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2, "input, paddings");
    const std::string mode = init.node.attr_string("mode", "");
    if (mode != "REFLECT" && mode != "SYMMETRIC")
      fail(init, "mode '" + mode + "' is not supported; expected REFLECT or SYMMETRIC");
    const int64_t offset = mode == "REFLECT" ? 1 : 0;
    const PaddingsInput paddings(init);
    return [paddings, offset, mode](KernelContext& ctx) -> Tensors {
      at::Tensor y = ctx.inputs[0];
      const Pairs pairs = paddings.get(ctx);
      for (int64_t a = 0; a < y.dim(); ++a) {
        const auto [before, after] = pairs[a];
        if (before == 0 && after == 0) continue;
        const int64_t n = y.size(a), most = n - offset;
        if (before > most || after > most)
          throw Error("paddings pads axis " + std::to_string(a) + " of length " +
                      std::to_string(n) + " by (" + std::to_string(before) + ", " +
                      std::to_string(after) + "); " + mode + " pads at most " +
                      std::to_string(most) + " on each side");
        y = y.index_select(a, mirror_indices(n, before, after, offset));
      }
      return {y};
    };
  };
}

}  // namespace

void register_tf_padding_ops(OpRegistry& registry) {
  add_op(registry, "Pad", pad(false));
  add_op(registry, "PadV2", pad(true));
  add_op(registry, "MirrorPad", mirror_pad());
}

}  // namespace layerscope::runtime
