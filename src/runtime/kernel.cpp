#include "runtime/kernel.h"

#include "runtime/tensor_bridge.h"

namespace layerscope::runtime {

at::Tensor KernelInit::constant_input(std::size_t i) const {
  if (!has_input(i)) return {};
  const Value& value = graph.values[node.inputs[i]];
  if (value.kind == ValueKind::Initializer) return to_aten(value.data, where());
  // A Constant node's output is as constant as an initializer (torch.onnx emits many).
  if (value.producer >= 0) {
    const Node& producer = graph.nodes[value.producer];
    if (producer.op_type == "Constant" && producer.domain.empty())
      if (const Attribute* a = producer.find_attribute("value"))
        if (a->kind == Attribute::Kind::Tensor) return to_aten(a->t, where());
  }
  return {};
}

std::string KernelInit::where() const { return "node '" + node.name + "' (" + node.op_type + ")"; }

std::vector<int64_t> to_int64_vector(const at::Tensor& t) {
  const at::Tensor flat = t.to(at::kLong).contiguous().reshape({-1});
  const int64_t* p = flat.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + flat.numel());
}

int64_t normalize_axis(int64_t axis, int64_t rank, const std::string& where) {
  const int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= std::max<int64_t>(rank, 1))
    throw Error(where + ": axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank) + "; expected " + std::to_string(-rank) + ".." +
                std::to_string(rank - 1));
  return normalized;
}

at::Tensor widen_reduced_float(const at::Tensor& t) {
  if (!t.defined()) return t;
  const at::ScalarType type = t.scalar_type();
  return type == at::kHalf || type == at::kBFloat16 ? t.to(at::kFloat) : t;
}

IntListArg::IntListArg(const KernelInit& init, const std::string& attr, std::size_t input) {
  if (const Attribute* attribute = init.node.find_attribute(attr)) {
    fixed_ = attribute->ints;
  } else if (init.has_input(input)) {
    const at::Tensor constant = init.constant_input(input);
    if (constant.defined())
      fixed_ = to_int64_vector(constant);
    else
      input_ = static_cast<int>(input);
  }
}

std::optional<std::vector<int64_t>> IntListArg::get(const KernelContext& ctx) const {
  if (fixed_) return fixed_;
  if (input_ >= 0 && ctx.has(static_cast<std::size_t>(input_)))
    return to_int64_vector(ctx.inputs[static_cast<std::size_t>(input_)]);
  return std::nullopt;
}

void fail(const KernelInit& init, const std::string& message) {
  throw Error(init.where() + ": " + message);
}

}  // namespace layerscope::runtime
