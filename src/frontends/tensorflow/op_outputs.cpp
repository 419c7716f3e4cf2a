#include "frontends/tensorflow/op_outputs.h"

#include <map>
#include <vector>

namespace layerscope::tensorflow_frontend {
namespace {

using ::tensorflow::NodeDef;

// Ops with several output arguments, each one tensor, in the order of the op's signature.
const std::map<std::string, std::vector<std::string>>& output_arguments() {
  static const std::vector<std::string> batch_norm = {"y", "batch_mean", "batch_variance",
                                                      "reserve_space_1", "reserve_space_2"};
  static const std::map<std::string, std::vector<std::string>> table = {
      {"FusedBatchNorm", batch_norm},
      {"FusedBatchNormV2", batch_norm},
      {"FusedBatchNormV3",
       {"y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2",
        "reserve_space_3"}},
      {"TopKV2", {"values", "indices"}},
      {"Unique", {"y", "idx"}},
      {"UniqueWithCounts", {"y", "idx", "count"}},
      {"Switch", {"output_false", "output_true"}},
      {"Merge", {"output", "value_index"}},
      {"BroadcastGradientArgs", {"r0", "r1"}},
      {"NonMaxSuppressionV4", {"selected_indices", "valid_outputs"}},
      {"NonMaxSuppressionV5", {"selected_indices", "selected_scores", "valid_outputs"}},
      {"Qr", {"q", "r"}},
      {"Svd", {"s", "u", "v"}},
  };
  return table;
}

int64_t int_attr(const NodeDef& node, const std::string& name, int64_t fallback) {
  const auto it = node.attr().find(name);
  return it == node.attr().end() ? fallback : it->second.i();
}

int list_size(const NodeDef& node, const std::string& name, int fallback) {
  const auto it = node.attr().find(name);
  return it == node.attr().end() ? fallback : it->second.list().type_size();
}

int data_input_count(const NodeDef& node) {
  int n = 0;
  for (const std::string& input : node.input()) n += input.empty() || input[0] != '^';
  return n;
}

}  // namespace

int output_count(const NodeDef& node) {
  const std::string& op = node.op();
  if (const auto it = output_arguments().find(op); it != output_arguments().end())
    return static_cast<int>(it->second.size());
  if (op == "NoOp" || op == "AssignVariableOp" || op == "AssignAddVariableOp" ||
      op == "AssignSubVariableOp" || op == "SaveV2" || op == "Assert" || op == "MergeV2Checkpoints")
    return 0;
  if (op == "Split" || op == "SplitV") return static_cast<int>(int_attr(node, "num_split", 1));
  if (op == "Unpack") return static_cast<int>(int_attr(node, "num", 1));
  if (op == "ShapeN") return static_cast<int>(int_attr(node, "N", 1));
  if (op == "IdentityN") return list_size(node, "T", data_input_count(node));
  if (op == "RestoreV2") return list_size(node, "dtypes", 1);
  if (op == "PartitionedCall" || op == "StatefulPartitionedCall" || op == "If" ||
      op == "StatelessIf")
    return list_size(node, "Tout", 1);
  if (op == "While" || op == "StatelessWhile") return list_size(node, "T", 1);
  return -1;
}

int output_index(const NodeDef& node, const std::string& arg, int k) {
  const auto it = output_arguments().find(node.op());
  if (it == output_arguments().end()) return k;  // one output argument: k counts within it
  for (std::size_t i = 0; i < it->second.size(); ++i)
    if (it->second[i] == arg) return k == 0 ? static_cast<int>(i) : -1;
  return -1;
}

}  // namespace layerscope::tensorflow_frontend
