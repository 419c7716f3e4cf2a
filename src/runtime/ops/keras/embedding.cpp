// Kernel of Embedding: rows of the (input_dim, output_dim) table picked by integer indices.
// Float indices are truncated to integers as Keras's cast does; an index outside the table is a
// run-time error naming it, as TensorFlow's CPU gather raises (its GPU gather returns zeros).
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

using keras::add_op;

KernelFactory embedding() {
  return [](const KernelInit& init) -> Kernel {
    const at::Tensor table = init.constant_input(1);
    if (!table.defined() || table.dim() != 2) fail(init, "the embeddings must be a 2-D weight");
    const int64_t rows = table.size(0);
    // Keras masks index 0 for the layers after. The recurrent layers read the mask from the ids
    // themselves; where the frontend found another layer that would use it, padding is refused
    // rather than computed differently from Keras.
    const bool mask_zero =
        init.node.attr_int("mask_zero", 0) != 0 && init.node.attr_int("mask_unhandled", 0) != 0;
    return [table, rows, mask_zero](KernelContext& ctx) -> Tensors {
      const at::Tensor& x = ctx.inputs[0];
      const at::Tensor indices = x.scalar_type() == at::kLong ? x : x.to(at::kLong);
      if (indices.numel() > 0) {
        const auto [min, max] = at::aminmax(indices);
        const int64_t lo = min.item<int64_t>(), hi = max.item<int64_t>();
        if (lo < 0 || hi >= rows)
          throw Error("index " + std::to_string(lo < 0 ? lo : hi) +
                      " is outside the embedding table (input_dim " + std::to_string(rows) +
                      ": indices 0.." + std::to_string(rows - 1) + ")");
        if (mask_zero && lo == 0)
          throw Error(
              "mask_zero=True and the input holds index 0 (padding): Keras would mask "
              "those steps in the layers after, which layerscope does not do yet; give "
              "inputs without padding");
      }
      return {at::embedding(table, indices)};
    };
  };
}

}  // namespace

void register_keras_embedding_ops(OpRegistry& registry) {
  add_op(registry, "Embedding", embedding());
}

}  // namespace layerscope::runtime
