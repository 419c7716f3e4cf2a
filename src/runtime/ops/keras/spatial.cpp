// Kernels of the Keras layers that pad, crop or enlarge images: ZeroPadding1D/2D/3D,
// Cropping1D/2D/3D, UpSampling1D/2D/3D (nearest: each value repeated; UpSampling2D bilinear:
// tf.image.resize's half-pixel bilinear, which is ATen's with align_corners=false).
#include "runtime/ops/keras/image.h"
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

using keras::add_op;

// ZeroPadding (sign 1) and Cropping (sign -1): per-axis "begin" and "end" amounts.
KernelFactory pad_or_crop(int sign) {
  return [sign](const KernelInit& init) -> Kernel {
    std::vector<int64_t> begin = init.node.attr_ints("begin"), end = init.node.attr_ints("end");
    if (begin.empty() || begin.size() != end.size())
      fail(init, "begin and end must have one entry per spatial axis");
    for (std::size_t i = 0; i < begin.size(); ++i) {
      begin[i] *= sign;
      end[i] *= sign;
    }
    const std::string where = init.where();
    return [begin, end, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      if (x.dim() != static_cast<int64_t>(begin.size()) + 2)
        throw Error(where + ": input " + c10::str(x.sizes()) + " is not of rank " +
                    std::to_string(begin.size() + 2));
      for (std::size_t i = 0; i < begin.size(); ++i)
        if (x.size(i + 1) + begin[i] + end[i] <= 0)
          throw Error(where + ": cropping leaves nothing of the input " + c10::str(x.sizes()));
      return {keras::pad_keras_image(x, begin, end, 0)};
    };
  };
}

KernelFactory upsampling() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> size = init.node.attr_ints("size");
    const bool bilinear = init.node.attr_string("interpolation", "nearest") == "bilinear";
    if (size.empty() || (bilinear && size.size() != 2))
      fail(init, "size must have one entry per spatial axis (two for bilinear)");
    const std::string where = init.where();
    return [size, bilinear, where](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      if (x.dim() != static_cast<int64_t>(size.size()) + 2)
        throw Error(where + ": input " + c10::str(x.sizes()) + " is not of rank " +
                    std::to_string(size.size() + 2));
      if (bilinear) {
        const at::Tensor y = at::upsample_bilinear2d(keras::channels_first(x.to(at::kFloat)),
                                                     {x.size(1) * size[0], x.size(2) * size[1]},
                                                     /*align_corners=*/false);
        return {keras::keras_layout(y, x.dim())};
      }
      // (N, a, b, C) -> (N, a, 1, b, 1, C) -> expand to (N, a, s0, b, s1, C) -> (N, a*s0, b*s1, C)
      std::vector<int64_t> view{x.size(0)}, expanded{x.size(0)}, out{x.size(0)};
      for (std::size_t i = 0; i < size.size(); ++i) {
        const int64_t n = x.size(i + 1);
        view.insert(view.end(), {n, 1});
        expanded.insert(expanded.end(), {n, size[i]});
        out.push_back(n * size[i]);
      }
      for (std::vector<int64_t>* v : {&view, &expanded, &out}) v->push_back(x.size(-1));
      return {x.reshape(view).expand(expanded).reshape(out)};
    };
  };
}

}  // namespace

void register_keras_spatial_ops(OpRegistry& registry) {
  for (const char* d : {"1D", "2D", "3D"}) {
    add_op(registry, std::string("ZeroPadding") + d, pad_or_crop(1));
    add_op(registry, std::string("Cropping") + d, pad_or_crop(-1));
    add_op(registry, std::string("UpSampling") + d, upsampling());
  }
}

}  // namespace layerscope::runtime
