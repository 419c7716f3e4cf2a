// Embedding: a table lookup, (batch, ...) integer indices -> (batch, ..., output_dim).
#include "frontends/keras/layer_spec.h"

namespace layerscope::keras {
namespace {

LayerPlan embedding(LayerContext& ctx) {
  const KShape& in = ctx.input_of_rank(0, 1, true);
  const int64_t input_dim = ctx.get_int("input_dim");
  const int64_t output_dim = ctx.get_int("output_dim");
  if (input_dim <= 0 || output_dim <= 0)
    ctx.fail("input_dim and output_dim must be positive, got " + std::to_string(input_dim) +
             " and " + std::to_string(output_dim));
  KShape out = in;
  out.push_back(output_dim);
  LayerPlan plan{{out}, {}, {}, {}};
  plan.weights.push_back({"embeddings", {input_dim, output_dim}, "vars/0"});
  plan.attributes["input_dim"] = int_attr(input_dim);
  return plan;
}

}  // namespace

void register_embedding_layers(LayerSpecs& specs) { specs.add("Embedding", embedding); }

}  // namespace layerscope::keras
