// TensorFlow's shape ops: they change how a tensor's elements are laid out or report its shape,
// never its values. Reshape, Squeeze, ExpandDims, Transpose and BroadcastTo return views of their
// input (no copy); Tile copies, as its output holds each element several times.
#include "runtime/ops/tensorflow/int_inputs.h"
#include "runtime/ops/tensorflow/tf_ops.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace layerscope::runtime {
namespace {

using tf::add_op;
using tf::check_fits_in_memory;
using tf::dims_string;
using tf::fail_at;
using tf::IntInput;

// TF's Reshape target: at most one -1, inferred from the element count; 0 is a real 0 (unlike
// ONNX, where it copies the input's dimension).
std::vector<int64_t> reshape_target(const at::Tensor& x, std::vector<int64_t> target,
                                    const std::string& where) {
  int inferred = -1;
  int64_t known = 1;
  bool overflow = false;
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      if (inferred >= 0) fail_at(where, "shape " + dims_string(target) + " has more than one -1");
      inferred = static_cast<int>(i);
    } else if (target[i] < 0) {
      fail_at(where, "shape " + dims_string(target) + " has a negative dimension other than -1");
    } else if (target[i] > 0 && known > std::numeric_limits<int64_t>::max() / target[i]) {
      overflow = true;
    } else {
      known *= target[i];
    }
  }
  if (std::find(target.begin(), target.end(), 0) != target.end()) {  // 0 however big the rest
    overflow = false;
    known = 0;
  }
  const int64_t count = x.numel();
  const std::string input =
      "a tensor of " + std::to_string(count) + " elements (shape " + dims_string(x.sizes()) + ")";
  if (inferred >= 0) {
    if (known == 0)
      fail_at(where, "cannot infer the -1 of shape " + dims_string(target) +
                         ": its other dimensions multiply to 0");
    if (overflow || count % known != 0)
      fail_at(where, "cannot reshape " + input + " to " + dims_string(target) + ": " +
                         std::to_string(count) + " is not a multiple of " +
                         (overflow ? "their product" : std::to_string(known)));
    target[static_cast<std::size_t>(inferred)] = count / known;
  } else if (overflow || known != count) {
    fail_at(where, "cannot reshape " + input + " to " + dims_string(target) + ", which holds " +
                       (overflow ? "more" : std::to_string(known)) + " elements");
  }
  return target;
}

KernelFactory reshape() {
  return [](const KernelInit& init) -> Kernel {
    const IntInput shape(init, 1, "shape");
    return [shape, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      return {x.reshape(reshape_target(x, shape.list(ctx), where))};  // a view where possible
    };
  };
}

// squeeze_dims (TF's attribute name for tf.squeeze's axis): empty drops every size-1 dimension.
KernelFactory squeeze() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> dims = init.node.attr_ints("squeeze_dims");
    return [dims, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t rank = x.dim();
      std::vector<bool> drop(static_cast<std::size_t>(rank), false);
      if (dims.empty())
        for (int64_t a = 0; a < rank; ++a) drop[static_cast<std::size_t>(a)] = x.size(a) == 1;
      for (int64_t dim : dims) {
        const int64_t a = tf::resolve_axis(dim, rank, "squeeze dimension", where);
        if (x.size(a) != 1)
          fail_at(where, "cannot squeeze dimension " + std::to_string(dim) + " of shape " +
                             dims_string(x.sizes()) + ": its size is " + std::to_string(x.size(a)) +
                             ", expected 1");
        drop[static_cast<std::size_t>(a)] = true;
      }
      at::Tensor y = x;
      for (int64_t a = rank - 1; a >= 0; --a)
        if (drop[static_cast<std::size_t>(a)]) y = y.squeeze(a);
      return {y};
    };
  };
}

// dim counts in the output: -1 appends a dimension, 0 prepends one.
KernelFactory expand_dims() {
  return [](const KernelInit& init) -> Kernel {
    const IntInput dim_input(init, 1, "dim");
    return [dim_input, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const int64_t dim = dim_input.scalar(ctx);
      return {x.unsqueeze(tf::resolve_axis(dim, x.dim() + 1, "dim", where))};
    };
  };
}

KernelFactory transpose() {
  return [](const KernelInit& init) -> Kernel {
    const IntInput perm_input(init, 1, "perm");
    return [perm_input, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const std::vector<int64_t> perm = perm_input.list(ctx);
      const int64_t rank = x.dim();
      std::vector<bool> seen(static_cast<std::size_t>(rank), false);
      bool valid = static_cast<int64_t>(perm.size()) == rank;
      for (std::size_t i = 0; valid && i < perm.size(); ++i) {
        valid = perm[i] >= 0 && perm[i] < rank && !seen[static_cast<std::size_t>(perm[i])];
        if (valid) seen[static_cast<std::size_t>(perm[i])] = true;
      }
      if (!valid)
        fail_at(where, "perm " + dims_string(perm) + " is not a permutation of 0.." +
                           std::to_string(rank - 1) + " for the input of shape " +
                           dims_string(x.sizes()));
      return {x.permute(perm)};
    };
  };
}

// A shape as a tensor of TF's out_type; int32 cannot hold dimensions of 2^31 or more.
at::Tensor shape_tensor(const std::vector<int64_t>& values, at::ScalarType type,
                        const std::string& where) {
  if (type == at::kInt)
    for (int64_t v : values)
      if (v > std::numeric_limits<int32_t>::max())
        fail_at(where, "value " + std::to_string(v) + " does not fit out_type int32");
  return at::tensor(values, at::TensorOptions().dtype(at::kLong)).to(type);
}

KernelFactory shape() {
  return [](const KernelInit& init) -> Kernel {
    const at::ScalarType type = tf::index_dtype(init, "out_type");
    return [type, where = init.where()](KernelContext& ctx) -> Tensors {
      return {shape_tensor(ctx.inputs.at(0).sizes().vec(), type, where)};
    };
  };
}

// One shape per input, as Shape gives each.
KernelFactory shape_n() {
  return [](const KernelInit& init) -> Kernel {
    const at::ScalarType type = tf::index_dtype(init, "out_type");
    return [type, where = init.where()](KernelContext& ctx) -> Tensors {
      Tensors shapes;
      for (const at::Tensor& x : ctx.inputs)
        shapes.push_back(shape_tensor(x.sizes().vec(), type, where));
      return shapes;
    };
  };
}

KernelFactory size() {
  return [](const KernelInit& init) -> Kernel {
    const at::ScalarType type = tf::index_dtype(init, "out_type");
    return [type, where = init.where()](KernelContext& ctx) -> Tensors {
      return {shape_tensor({ctx.inputs.at(0).numel()}, type, where).reshape({})};
    };
  };
}

KernelFactory rank() {
  return [](const KernelInit&) -> Kernel {
    return [](KernelContext& ctx) -> Tensors {
      return {at::scalar_tensor(ctx.inputs.at(0).dim(), at::TensorOptions().dtype(at::kInt))};
    };
  };
}

// The input's dimensions, aligned on the right, must each equal the target's or be 1: a stride-0
// view, copied only by whoever reads it whole.
KernelFactory broadcast_to() {
  return [](const KernelInit& init) -> Kernel {
    const IntInput shape_input(init, 1, "shape");
    return [shape_input, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const std::vector<int64_t> target = shape_input.list(ctx);
      check_fits_in_memory(target, x.scalar_type(), "the output", where);
      const int64_t offset = static_cast<int64_t>(target.size()) - x.dim();
      bool fits = offset >= 0;
      for (int64_t a = 0; fits && a < x.dim(); ++a)
        fits = x.size(a) == 1 || x.size(a) == target[static_cast<std::size_t>(a + offset)];
      if (!fits)
        fail_at(where, "cannot broadcast a tensor of shape " + dims_string(x.sizes()) + " to " +
                           dims_string(target));
      return {x.expand(target)};
    };
  };
}

// One multiple per dimension; the output repeats the whole input that many times along each.
KernelFactory tile() {
  return [](const KernelInit& init) -> Kernel {
    const IntInput multiples_input(init, 1, "multiples");
    return [multiples_input, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs.at(0);
      const std::vector<int64_t> multiples = multiples_input.list(ctx);
      if (static_cast<int64_t>(multiples.size()) != x.dim())
        fail_at(where, "multiples " + dims_string(multiples) + " do not match the input's shape " +
                           dims_string(x.sizes()) + "; expected one per dimension");
      std::vector<int64_t> out(multiples.size());
      for (std::size_t a = 0; a < multiples.size(); ++a) {
        if (multiples[a] < 0)
          fail_at(where, "multiples " + dims_string(multiples) + " has a negative entry");
        // Beyond int64 overflow the product is bogus anyway: the memory check below refuses it.
        out[a] = x.size(static_cast<int64_t>(a)) == 0 ? 0
                 : multiples[a] > std::numeric_limits<int64_t>::max() / x.size(a)
                     ? std::numeric_limits<int64_t>::max()
                     : multiples[a] * x.size(static_cast<int64_t>(a));
      }
      check_fits_in_memory(out, x.scalar_type(), "the output", where);
      if (x.dim() == 0) return {x};
      return {x.repeat(multiples)};
    };
  };
}

}  // namespace

void register_tf_shape_ops(OpRegistry& registry) {
  add_op(registry, "Reshape", reshape());
  add_op(registry, "Squeeze", squeeze());
  add_op(registry, "ExpandDims", expand_dims());
  add_op(registry, "Transpose", transpose());
  add_op(registry, "Shape", shape());
  add_op(registry, "ShapeN", shape_n());
  add_op(registry, "Size", size());
  add_op(registry, "Rank", rank());
  add_op(registry, "BroadcastTo", broadcast_to());
  add_op(registry, "Tile", tile());
}

}  // namespace layerscope::runtime
