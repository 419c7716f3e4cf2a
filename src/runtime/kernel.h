#pragma once
// What an op kernel is. A kernel is built once per node (attributes parsed, constants derived) and
// then run many times; running reads its inputs and returns new output tensors. Kernels never
// write into their inputs: inputs may be weights or tensors other nodes still read.
//
// Example, a whole op family file registering two ops:
//
//   void register_example_ops(OpRegistry& registry) {
//     registry.add("Relu", 6, unary_kernel([](const at::Tensor& x) { return at::relu(x); }));
//     registry.add("LeakyRelu", 6, [](const KernelInit& init) -> Kernel {
//       const double alpha = init.node.attr_float("alpha", 0.01);  // parsed once, at load
//       return [alpha](KernelContext& ctx) -> Tensors {
//         return {at::leaky_relu(ctx.inputs.at(0), alpha)};
//       };
//     });
//   }
#include <layerscope/error.h>
#include <layerscope/graph.h>

#include <ATen/ATen.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {

using Tensors = std::vector<at::Tensor>;

// Runs a subgraph (an If branch, a Loop body) with the given inputs; values the subgraph reads
// from enclosing graphs are bound by the executor.
using SubgraphRunner = std::function<Tensors(const Graph& subgraph, const Tensors& inputs)>;

struct KernelContext {
  const Tensors& inputs;  // one per node input; undefined for an omitted optional input
  const SubgraphRunner& run_subgraph;

  bool has(std::size_t i) const { return i < inputs.size() && inputs[i].defined(); }
};

using Kernel = std::function<Tensors(KernelContext&)>;

// What a factory sees while building a kernel.
struct KernelInit {
  const Graph& graph;
  const Node& node;
  int opset;

  std::size_t input_count() const { return node.inputs.size(); }
  bool has_input(std::size_t i) const { return i < node.inputs.size() && node.inputs[i] >= 0; }
  // The input's value when it is a constant (an initializer), so a kernel can derive what it
  // needs once; an undefined tensor otherwise.
  at::Tensor constant_input(std::size_t i) const;
  // "node 'conv1' (Conv)": for error messages.
  std::string where() const;
};

using KernelFactory = std::function<Kernel(const KernelInit&)>;

// Builds a factory for ops whose only input is transformed by `fn`.
template <typename Fn>
KernelFactory unary_kernel(Fn fn) {
  return [fn](const KernelInit&) -> Kernel {
    return [fn](KernelContext& ctx) -> Tensors { return {fn(ctx.inputs.at(0))}; };
  };
}
// Same for two inputs (with numpy broadcasting, which ATen's binary ops already do).
template <typename Fn>
KernelFactory binary_kernel(Fn fn) {
  return [fn](const KernelInit&) -> Kernel {
    return [fn](KernelContext& ctx) -> Tensors { return {fn(ctx.inputs.at(0), ctx.inputs.at(1))}; };
  };
}

// Reads a 1-D integer tensor (shape, axes, pads, ...) into a vector.
std::vector<int64_t> to_int64_vector(const at::Tensor& t);
// Normalizes a possibly negative axis against `rank`; throws Error naming `where` if out of range.
int64_t normalize_axis(int64_t axis, int64_t rank, const std::string& where);

// ATen 1.13's CPU kernels lack float16 (and often bfloat16) variants of most math: kernels compute
// those in float32 and cast back, as numpy (ONNX's reference) does. Other tensors pass through.
at::Tensor widen_reduced_float(const at::Tensor& t);

// An integer list (shape, axes, pads, starts, ...) that older opsets carry as attribute `attr` and
// newer ones as input `input`. Read once at load when it is an attribute or a constant input.
class IntListArg {
 public:
  IntListArg(const KernelInit& init, const std::string& attr, std::size_t input);
  bool present() const { return fixed_.has_value() || input_ >= 0; }
  // The list, or nullopt when the node has neither the attribute nor the input.
  std::optional<std::vector<int64_t>> get(const KernelContext& ctx) const;

 private:
  std::optional<std::vector<int64_t>> fixed_;
  int input_ = -1;
};

// Error naming the node: "node 'conv1' (Conv): <message>".
[[noreturn]] void fail(const KernelInit& init, const std::string& message);

}  // namespace layerscope::runtime
