// If, Loop and Scan: kernels that run subgraphs through the executor's SubgraphRunner.
#include "runtime/registry.h"

namespace layerscope::runtime {
namespace {

const Graph& graph_attribute(const KernelInit& init, const std::string& name) {
  const Attribute* a = init.node.find_attribute(name);
  if (!a || !a->g) fail(init, "needs a graph attribute '" + name + "'");
  return *a->g;
}

Kernel make_if(const KernelInit& init) {
  const Graph* then_branch = &graph_attribute(init, "then_branch");
  const Graph* else_branch = &graph_attribute(init, "else_branch");
  return [then_branch, else_branch](KernelContext& ctx) {
    const bool cond = ctx.inputs.at(0).reshape({-1}).item<bool>();
    return ctx.run_subgraph(cond ? *then_branch : *else_branch, {});
  };
}

// Stacks per-iteration scan outputs along a new axis 0; an empty loop yields shape [0].
at::Tensor stack_or_empty(const Tensors& parts) {
  return parts.empty() ? at::empty({0}) : at::stack(parts, 0);
}

Kernel make_loop(const KernelInit& init) {
  const Graph* body = &graph_attribute(init, "body");
  const std::size_t carried_count = init.input_count() - 2;
  const std::string where = init.where();
  return [body, carried_count, where](KernelContext& ctx) {
    int64_t trip_limit = ctx.has(0) ? ctx.inputs[0].reshape({-1}).item<int64_t>()
                                    : std::numeric_limits<int64_t>::max();
    bool cond = ctx.has(1) ? ctx.inputs[1].reshape({-1}).item<bool>() : true;
    Tensors carried(ctx.inputs.begin() + 2, ctx.inputs.end());
    std::vector<Tensors> scans;
    for (int64_t i = 0; i < trip_limit && cond; ++i) {
      Tensors body_inputs{at::scalar_tensor(i, at::kLong), at::scalar_tensor(cond, at::kBool)};
      body_inputs.insert(body_inputs.end(), carried.begin(), carried.end());
      Tensors out = ctx.run_subgraph(*body, body_inputs);
      if (out.size() < 1 + carried_count)
        throw Error(where + ": the body returns " + std::to_string(out.size()) +
                    " outputs; expected at least " + std::to_string(1 + carried_count));
      cond = out[0].reshape({-1}).item<bool>();
      for (std::size_t k = 0; k < carried_count; ++k) carried[k] = out[1 + k];
      scans.resize(out.size() - 1 - carried_count);
      for (std::size_t k = 0; k < scans.size(); ++k) scans[k].push_back(out[1 + carried_count + k]);
    }
    Tensors results = carried;
    const std::size_t scan_count = body->outputs.size() - 1 - carried_count;
    scans.resize(scan_count);
    for (const Tensors& parts : scans) results.push_back(stack_or_empty(parts));
    return results;
  };
}

Kernel make_scan(const KernelInit& init) {
  const Graph* body = &graph_attribute(init, "body");
  const auto scan_inputs = static_cast<std::size_t>(init.node.attr_int("num_scan_inputs", 0));
  if (scan_inputs == 0 || scan_inputs > init.input_count())
    fail(init, "num_scan_inputs must be between 1 and the number of inputs");
  const std::size_t state_count = init.input_count() - scan_inputs;
  const std::size_t scan_outputs = body->outputs.size() - state_count;
  auto per_input = [&](const char* name, std::size_t n) {
    std::vector<int64_t> v = init.node.attr_ints(name);
    v.resize(n, 0);
    return v;
  };
  const auto in_axes = per_input("scan_input_axes", scan_inputs);
  const auto in_dirs = per_input("scan_input_directions", scan_inputs);
  const auto out_axes = per_input("scan_output_axes", scan_outputs);
  const auto out_dirs = per_input("scan_output_directions", scan_outputs);
  const std::string where = init.where();
  return [=](KernelContext& ctx) {
    Tensors state(ctx.inputs.begin(), ctx.inputs.begin() + state_count);
    Tensors sequences;
    int64_t length = -1;
    for (std::size_t k = 0; k < scan_inputs; ++k) {
      const at::Tensor& x = ctx.inputs[state_count + k];
      at::Tensor moved = x.movedim(normalize_axis(in_axes[k], x.dim(), where), 0);
      if (in_dirs[k]) moved = moved.flip(0);
      if (length >= 0 && moved.size(0) != length)
        throw Error(where + ": scan inputs have different sequence lengths");
      length = moved.size(0);
      sequences.push_back(moved);
    }
    std::vector<Tensors> collected(scan_outputs);
    for (int64_t t = 0; t < length; ++t) {
      Tensors body_inputs = state;
      for (const at::Tensor& s : sequences) body_inputs.push_back(s[t]);
      Tensors out = ctx.run_subgraph(*body, body_inputs);
      for (std::size_t k = 0; k < state_count; ++k) state[k] = out[k];
      for (std::size_t k = 0; k < scan_outputs; ++k) collected[k].push_back(out[state_count + k]);
    }
    Tensors results = state;
    for (std::size_t k = 0; k < scan_outputs; ++k) {
      at::Tensor stacked = stack_or_empty(collected[k]);
      if (out_dirs[k]) stacked = stacked.flip(0);
      results.push_back(stacked.movedim(0, normalize_axis(out_axes[k], stacked.dim(), where)));
    }
    return results;
  };
}

}  // namespace

void register_control_flow_ops(OpRegistry& registry) {
  registry.add("If", 1, make_if);
  registry.add("Loop", 1, make_loop);
  registry.add("Scan", 9, make_scan);
}

}  // namespace layerscope::runtime
