// Kernel of MultiHeadAttention, as Keras computes it: each of query, key and value projected to
// (batch, ..., heads, dim); softmax(query . key / sqrt(key_dim)) over the key's attention axes
// (jointly); the weighted values projected by the output kernel (heads, value_dim, out...).
// The attention axes are gathered into one axis so the core is two batched matmuls.
#include "runtime/ops/keras/keras_ops.h"
#include "runtime/registry.h"

#include <algorithm>
#include <cmath>

namespace layerscope::runtime {
namespace {

using keras::add_op;
using keras::as_float;

struct Projection {
  at::Tensor weight;  // (heads * dim, in): at::linear's layout
  at::Tensor bias;    // (heads * dim) or undefined
};

// (batch, ..., in) -> (batch, ..., heads, dim).
at::Tensor project(const at::Tensor& x, const Projection& p, int64_t heads) {
  at::Tensor y = at::linear(as_float(x), p.weight, p.bias);
  std::vector<int64_t> shape(y.sizes().begin(), y.sizes().end() - 1);
  shape.push_back(heads);
  shape.push_back(-1);
  return y.view(shape);
}

KernelFactory multi_head_attention() {
  return [](const KernelInit& init) -> Kernel {
    const std::vector<int64_t> roles = init.node.attr_ints("roles");
    const int64_t heads = init.node.attr_int("num_heads", 1);
    const int64_t key_dim = init.node.attr_int("key_dim", 1);
    const bool use_bias = init.node.attr_int("use_bias", 1) != 0;
    const std::vector<int64_t> axes = init.node.attr_ints("attention_axes");
    const std::vector<int64_t> out_shape = init.node.attr_ints("output_shape");
    const std::size_t data_inputs = roles[2] >= 0 ? 3 : 2;
    if (init.input_count() != data_inputs + (use_bias ? 8 : 4))
      fail(init, "unexpected number of inputs for its weights");
    std::size_t next = data_inputs;
    auto take = [&](bool is_output) {
      const at::Tensor kernel = init.constant_input(next++);
      Projection p;
      if (is_output) {  // (heads, value_dim, out...) -> (prod(out), heads * value_dim)
        p.weight = kernel.reshape({kernel.size(0) * kernel.size(1), -1}).t().contiguous();
      } else {  // (in, heads, dim) -> (heads * dim, in)
        p.weight = kernel.reshape({kernel.size(0), -1}).t().contiguous();
      }
      if (use_bias) p.bias = init.constant_input(next++).reshape({-1}).contiguous();
      return p;
    };
    const Projection query_p = take(false), key_p = take(false), value_p = take(false);
    const Projection output_p = take(true);
    const double scale = 1.0 / std::sqrt(static_cast<double>(key_dim));

    return [=](KernelContext& ctx) -> Tensors {
      const at::Tensor& query_in = ctx.inputs[roles[0]];
      const at::Tensor& value_in = ctx.inputs[roles[1]];
      const at::Tensor& key_in = roles[2] >= 0 ? ctx.inputs[roles[2]] : value_in;
      const at::Tensor q = project(query_in, query_p, heads) * scale;
      const at::Tensor k = project(key_in, key_p, heads);
      const at::Tensor v = project(value_in, value_p, heads);
      // Axes of the projected tensors: 0 batch, 1..m the query's inner axes, m+1 heads, m+2 dim.
      const int64_t m = q.dim() - 3;
      std::vector<int64_t> order{0}, others{0};
      for (int64_t d = 1; d <= m; ++d)
        if (!std::binary_search(axes.begin(), axes.end(), d)) {
          order.push_back(d);
          others.push_back(d);
        }
      order.push_back(m + 1);
      for (int64_t a : axes) order.push_back(a);
      order.push_back(m + 2);
      // (outer, heads, positions, dim): outer = batch and the non-attention axes.
      auto gather = [&](const at::Tensor& t) {
        const at::Tensor p = t.permute(order);
        int64_t outer = 1;
        for (std::size_t i = 0; i < others.size(); ++i) outer *= p.size(static_cast<int64_t>(i));
        return p.reshape({outer, heads, -1, t.size(-1)});
      };
      const at::Tensor scores = at::softmax(at::matmul(gather(q), gather(k).transpose(-1, -2)), -1);
      const at::Tensor context = at::matmul(scores, gather(v));  // (outer, heads, T, value_dim)
      // Back to the query's layout (batch, ..., heads, value_dim).
      std::vector<int64_t> permuted_shape;
      const at::Tensor qp = q.permute(order);
      for (int64_t i = 0; i < qp.dim() - 1; ++i) permuted_shape.push_back(qp.size(i));
      permuted_shape.push_back(context.size(-1));
      std::vector<int64_t> inverse(order.size());
      for (std::size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<int64_t>(i);
      const at::Tensor attended = context.reshape(permuted_shape).permute(inverse);
      std::vector<int64_t> flat(attended.sizes().begin(), attended.sizes().end() - 2);
      flat.push_back(-1);
      at::Tensor y = at::linear(attended.reshape(flat), output_p.weight, output_p.bias);
      std::vector<int64_t> shape(y.sizes().begin(), y.sizes().end() - 1);
      shape.insert(shape.end(), out_shape.begin(), out_shape.end());
      return {y.reshape(shape)};
    };
  };
}

}  // namespace

void register_keras_attention_ops(OpRegistry& registry) {
  add_op(registry, "MultiHeadAttention", multi_head_attention());
}

}  // namespace layerscope::runtime
