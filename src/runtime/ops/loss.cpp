// Loss ops: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opset 12; 13 only added
// bfloat16). Both pick, for every sample position, the (log-)probability of its target class and
// weigh it; SoftmaxCrossEntropyLoss first turns scores into log-probabilities.
//
// Written with gather rather than ATen's nll_loss: ONNX allows any rank (N, C, d1..dk), integer
// targets of either width and any ignore_index, and its "mean" divides by the summed weights of
// the positions not ignored, which one formula covers for every case.
#include "runtime/kernel.h"
#include "runtime/registry.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerscope::runtime {
namespace {

enum class Reduction { None, Sum, Mean };

struct LossAttributes {
  Reduction reduction = Reduction::Mean;
  std::optional<int64_t> ignore_index;  // absent: every target counts
};

LossAttributes parse_loss_attributes(const KernelInit& init) {
  LossAttributes a;
  const std::string reduction = init.node.attr_string("reduction", "mean");
  if (reduction == "none")
    a.reduction = Reduction::None;
  else if (reduction == "sum")
    a.reduction = Reduction::Sum;
  else if (reduction == "mean")
    a.reduction = Reduction::Mean;
  else
    fail(init, "unknown reduction '" + reduction + "'; expected none, sum or mean");
  if (const Attribute* ignore = init.node.find_attribute("ignore_index"))
    a.ignore_index = ignore->i;
  return a;
}

// The loss of log-probabilities `log_prob` (N, C, d1..dk) against class indices `target`
// (N, d1..dk), in log_prob's dtype: -log_prob[n, target, d...] * weight[target], zero where the
// target is ignore_index, then reduced.
at::Tensor negative_log_likelihood(const at::Tensor& log_prob, const at::Tensor& target,
                                   const at::Tensor& weight, const LossAttributes& a,
                                   const std::string& where) {
  if (log_prob.dim() < 2)
    throw Error(where + ": input has rank " + std::to_string(log_prob.dim()) +
                "; expected (N, C, d1, ..., dk) of rank >= 2");
  const int64_t classes = log_prob.size(1);
  std::vector<int64_t> expected_target(log_prob.sizes().begin(), log_prob.sizes().end());
  expected_target.erase(expected_target.begin() + 1);
  if (target.sizes().vec() != expected_target)
    throw Error(where + ": target's shape does not match the input's with the class axis removed");
  if (weight.defined() && (weight.dim() != 1 || weight.size(0) != classes))
    throw Error(where + ": weight must be 1-D with one entry per class (" +
                std::to_string(classes) + ")");

  const at::Tensor classes_of = target.to(at::kLong);
  const at::Tensor counted =
      a.ignore_index ? classes_of.ne(*a.ignore_index) : at::ones(classes_of.sizes(), at::kBool);
  // Ignored positions read class 0 (any valid one) and are weighted 0 below.
  const at::Tensor safe = classes_of.masked_fill(counted.logical_not(), 0);
  if (safe.numel() > 0 && (safe.min().item<int64_t>() < 0 || safe.max().item<int64_t>() >= classes))
    throw Error(where + ": a target is outside [0, " + std::to_string(classes) +
                ") and is not ignore_index");

  // float16/bfloat16 computed in float32, as ATen lacks half kernels for some of these.
  const at::ScalarType type = log_prob.scalar_type();
  const at::Tensor x = widen_reduced_float(log_prob);
  const at::Tensor picked = x.gather(1, safe.unsqueeze(1)).squeeze(1);
  at::Tensor position_weight = weight.defined() ? widen_reduced_float(weight)
                                                      .to(x.scalar_type())
                                                      .index_select(0, safe.reshape(-1))
                                                      .reshape(safe.sizes())
                                                : at::ones(safe.sizes(), x.options());
  position_weight = position_weight.masked_fill(counted.logical_not(), 0);
  at::Tensor loss = picked.neg() * position_weight;
  switch (a.reduction) {
    case Reduction::None:
      break;
    case Reduction::Sum:
      loss = loss.sum();
      break;
    case Reduction::Mean:
      // Without weights or ignored positions the summed weight is the element count.
      loss = loss.sum() / position_weight.sum();
      break;
  }
  return loss.to(type);
}

}  // namespace

void register_loss_ops(OpRegistry& registry) {
  // Inputs: input (N, C, d1..dk) of log-probabilities, target, optional weight (C).
  registry.add("NegativeLogLikelihoodLoss", 12, [](const KernelInit& init) -> Kernel {
    const LossAttributes attributes = parse_loss_attributes(init);
    return [attributes, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor weight = ctx.has(2) ? ctx.inputs[2] : at::Tensor();
      return {
          negative_log_likelihood(ctx.inputs.at(0), ctx.inputs.at(1), weight, attributes, where)};
    };
  });

  // Inputs: scores (N, C, d1..dk), labels, optional weight; outputs the loss and, optionally, the
  // log-probabilities (log_softmax over the class axis).
  registry.add("SoftmaxCrossEntropyLoss", 12, [](const KernelInit& init) -> Kernel {
    const LossAttributes attributes = parse_loss_attributes(init);
    return [attributes, where = init.where()](KernelContext& ctx) -> Tensors {
      const at::Tensor& scores = ctx.inputs.at(0);
      if (scores.dim() < 2)
        throw Error(where + ": scores have rank " + std::to_string(scores.dim()) +
                    "; expected (N, C, d1, ..., dk) of rank >= 2");
      // Both outputs come from the same float32 log-probabilities for float16/bfloat16 scores.
      const at::ScalarType type = scores.scalar_type();
      const at::Tensor log_prob = at::log_softmax(widen_reduced_float(scores), 1);
      const at::Tensor weight = ctx.has(2) ? ctx.inputs[2] : at::Tensor();
      return {
          negative_log_likelihood(log_prob, ctx.inputs.at(1), weight, attributes, where).to(type),
          log_prob.to(type)};
    };
  });
}

}  // namespace layerscope::runtime
