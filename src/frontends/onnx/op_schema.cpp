// Formal input names from ONNX's operator schemas.
#include <layerscope/onnx.h>

#include <onnx/defs/schema.h>

namespace layerscope {

std::string onnx_input_name(const Node& node, int opset, std::size_t input) {
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(node.op_type, opset, node.domain);
  if (!schema || schema->inputs().empty()) return "";
  const auto& formal = schema->inputs();
  if (input < formal.size()) return formal[input].GetName();
  if (formal.back().GetOption() == onnx::OpSchema::Variadic) return formal.back().GetName();
  return "";
}

}  // namespace layerscope
