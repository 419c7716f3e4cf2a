// Kernels of TensorFlow's ops that move spatial blocks to and from another axis, as reshapes and
// one permutation (any element type):
//   - SpaceToBatchND (input, block_shape, paddings) and BatchToSpaceND (input, block_shape, crops):
//     input [batch] + spatial (M axes) + rest; what TF 1 graphs wrap around a Conv2D for a dilated
//     convolution. SpaceToBatch / BatchToSpace are the same with block_size for 2 axes;
//   - DepthToSpace and SpaceToDepth (block_size; NHWC, or NCHW computed as the NHWC op on the
//     transposed image, as TF's GPU kernels do): the depth splits as (block row, block column,
//     channel).
#include "runtime/ops/tensorflow/image_format.h"
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

std::string list_text(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i)
    text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "]";
}

// block_shape and paddings/crops of one run, checked against the input.
struct Blocks {
  std::vector<int64_t> shape;       // M block sizes
  std::vector<int64_t> begin, end;  // M paddings or crops
  std::string where;                // the node, for errors
};

Blocks read_blocks(const at::Tensor& x, const at::Tensor& block_shape, const at::Tensor& amounts,
                   const char* amounts_name, const std::string& where) {
  Blocks b;
  b.where = where;
  b.shape = to_int64_vector(block_shape);
  const int64_t m = static_cast<int64_t>(b.shape.size());
  if (block_shape.dim() != 1 || m < 1 || m >= x.dim())
    throw Error("block_shape has shape " + c10::str(block_shape.sizes()) + " for input " +
                c10::str(x.sizes()) + "; expected [M] with 1 <= M < the input's rank");
  for (int64_t size : b.shape)
    if (size < 1) throw Error("block_shape " + list_text(b.shape) + " has a size below 1");
  if (amounts.dim() != 2 || amounts.size(0) != m || amounts.size(1) != 2)
    throw Error(std::string(amounts_name) + " has shape " + c10::str(amounts.sizes()) +
                "; expected [" + std::to_string(m) + ", 2], a (begin, end) pair per block axis");
  const std::vector<int64_t> flat = to_int64_vector(amounts);
  for (int64_t i = 0; i < m; ++i) {
    b.begin.push_back(flat[2 * i]);
    b.end.push_back(flat[2 * i + 1]);
    if (flat[2 * i] < 0 || flat[2 * i + 1] < 0)
      throw Error(std::string(amounts_name) + " " + list_text(flat) + " has a negative amount");
  }
  return b;
}

at::Tensor space_to_batch(const at::Tensor& x, const Blocks& b) {
  const int64_t m = static_cast<int64_t>(b.shape.size());
  std::vector<int64_t> dims = x.sizes().vec();
  for (int64_t i = 0; i < m; ++i) dims[1 + i] += b.begin[i] + b.end[i];
  tf::check_fits_in_memory(dims, x.scalar_type(), "the padded input", b.where);
  std::vector<int64_t> spec(2 * (x.dim() - 1 - m), 0);  // constant_pad_nd: last axis first
  for (int64_t i = m; i-- > 0;) {
    spec.push_back(b.begin[i]);
    spec.push_back(b.end[i]);
  }
  const at::Tensor padded = x.scalar_type() == at::kBool
                                ? at::constant_pad_nd(x.to(at::kByte), spec, 0).to(at::kBool)
                                : at::constant_pad_nd(x, spec, 0);
  std::vector<int64_t> split{x.size(0)}, order, merged{x.size(0)};
  for (int64_t i = 0; i < m; ++i) {
    const int64_t size = padded.size(1 + i);
    if (size % b.shape[i] != 0)
      throw Error("padded spatial axis " + std::to_string(i) + " has size " + std::to_string(size) +
                  ", not a multiple of block size " + std::to_string(b.shape[i]));
    split.push_back(size / b.shape[i]);
    split.push_back(b.shape[i]);
    order.push_back(2 + 2 * i);
    merged[0] *= b.shape[i];
    merged.push_back(size / b.shape[i]);
  }
  order.push_back(0);
  for (int64_t i = 0; i < m; ++i) order.push_back(1 + 2 * i);
  for (int64_t a = 1 + m; a < x.dim(); ++a) {
    split.push_back(x.size(a));
    order.push_back(static_cast<int64_t>(order.size()));
    merged.push_back(x.size(a));
  }
  return padded.reshape(split).permute(order).reshape(merged);
}

at::Tensor batch_to_space(const at::Tensor& x, const Blocks& b) {
  const int64_t m = static_cast<int64_t>(b.shape.size());
  int64_t blocks = 1;
  for (int64_t size : b.shape) blocks *= size;
  if (x.size(0) % blocks != 0)
    throw Error("input batch " + std::to_string(x.size(0)) + " is not a multiple of " +
                std::to_string(blocks) + ", the product of block_shape " + list_text(b.shape));
  std::vector<int64_t> split(b.shape), order{m}, merged{x.size(0) / blocks};
  split.push_back(x.size(0) / blocks);
  for (int64_t i = 0; i < m; ++i) {
    split.push_back(x.size(1 + i));
    order.push_back(m + 1 + i);
    order.push_back(i);
    merged.push_back(x.size(1 + i) * b.shape[i]);
  }
  for (int64_t a = 1 + m; a < x.dim(); ++a) {
    split.push_back(x.size(a));
    order.push_back(static_cast<int64_t>(order.size()));
    merged.push_back(x.size(a));
  }
  at::Tensor y = x.reshape(split).permute(order).reshape(merged);
  for (int64_t i = 0; i < m; ++i) {
    const int64_t size = y.size(1 + i);
    if (b.begin[i] + b.end[i] > size)
      throw Error("crops (" + std::to_string(b.begin[i]) + ", " + std::to_string(b.end[i]) +
                  ") exceed spatial axis " + std::to_string(i) + " of size " +
                  std::to_string(size));
    y = y.narrow(1 + i, b.begin[i], size - b.begin[i] - b.end[i]);
  }
  return y.contiguous();
}

using BlockFn = at::Tensor (*)(const at::Tensor&, const Blocks&);

// SpaceToBatchND / BatchToSpaceND: inputs input, block_shape, paddings or crops.
KernelFactory nd_kernel(BlockFn fn, const char* amounts_name) {
  return [fn, amounts_name](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 3, std::string("input, block_shape, ") + amounts_name);
    const std::string where = init.where();
    return [fn, amounts_name, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      return {fn(x, read_blocks(x, ctx.inputs[1], ctx.inputs[2], amounts_name, where))};
    };
  };
}

// SpaceToBatch / BatchToSpace: inputs input (rank 4), paddings or crops; attribute block_size.
KernelFactory v1_kernel(BlockFn fn, const char* amounts_name) {
  return [fn, amounts_name](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 2, std::string("input, ") + amounts_name);
    const int64_t block = init.node.attr_int("block_size", 0);
    if (block < 2) fail(init, "block_size " + std::to_string(block) + " must be at least 2");
    const at::Tensor block_shape = at::full({2}, block, at::kLong);
    const std::string where = init.where();
    return [fn, amounts_name, block_shape, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      if (x.dim() != 4)
        throw Error("input has shape " + c10::str(x.sizes()) + "; expected rank 4 (NHWC)");
      return {fn(x, read_blocks(x, block_shape, ctx.inputs[1], amounts_name, where))};
    };
  };
}

// DepthToSpace / SpaceToDepth on NHWC: (N, H, W, C) <-> (N, H * b, W * b, C / b^2).
at::Tensor depth_to_space(const at::Tensor& x, int64_t b) {
  const int64_t n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
  if (c % (b * b) != 0)
    throw Error("input has " + std::to_string(c) +
                " channels, not a multiple of block_size^2 = " + std::to_string(b * b));
  return x.reshape({n, h, w, b, b, c / (b * b)})
      .permute({0, 1, 3, 2, 4, 5})
      .reshape({n, h * b, w * b, c / (b * b)});
}

at::Tensor space_to_depth(const at::Tensor& x, int64_t b) {
  const int64_t n = x.size(0), h = x.size(1), w = x.size(2), c = x.size(3);
  if (h % b != 0 || w % b != 0)
    throw Error("input height " + std::to_string(h) + " and width " + std::to_string(w) +
                " must be multiples of block_size " + std::to_string(b));
  return x.reshape({n, h / b, b, w / b, b, c})
      .permute({0, 1, 3, 2, 4, 5})
      .reshape({n, h / b, w / b, b * b * c});
}

KernelFactory depth_kernel(at::Tensor (*fn)(const at::Tensor&, int64_t)) {
  return [fn](const KernelInit& init) -> Kernel {
    tf::require_inputs(init, 1, "input");
    const tf::ImageFormat format = tf::read_format(init, 2);
    const int64_t block = init.node.attr_int("block_size", 0);
    if (block < 2) fail(init, "block_size " + std::to_string(block) + " must be at least 2");
    return [fn, format, block](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      format.check_rank(x, "input");
      if (format.channels_last) return {fn(x, block).contiguous()};
      return {fn(x.permute({0, 2, 3, 1}), block).permute({0, 3, 1, 2}).contiguous()};
    };
  };
}

}  // namespace

void register_tf_space_batch_ops(OpRegistry& registry) {
  add_op(registry, "SpaceToBatchND", nd_kernel(space_to_batch, "paddings"));
  add_op(registry, "BatchToSpaceND", nd_kernel(batch_to_space, "crops"));
  add_op(registry, "SpaceToBatch", v1_kernel(space_to_batch, "paddings"));
  add_op(registry, "BatchToSpace", v1_kernel(batch_to_space, "crops"));
  add_op(registry, "DepthToSpace", depth_kernel(depth_to_space));
  add_op(registry, "SpaceToDepth", depth_kernel(space_to_depth));
}

}  // namespace layerscope::runtime
