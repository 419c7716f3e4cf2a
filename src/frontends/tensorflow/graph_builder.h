#pragma once
// Builds the graph IR from a flat TensorFlow GraphDef (no function calls left: a frozen graph, or
// a SavedModel's signature with its functions inlined), one IR node per TF node.
//
// What the IR looks like, for the kernels in runtime/ops/tensorflow/:
//   - nodes: domain "tensorflow" (opset 1), op_type = the TF op, name = the TF node name, scope =
//     the name up to its last '/' ("model/dense/MatMul" -> "model/dense");
//   - values: output k of node N is named "N" for k = 0, "N:k" otherwise, as TF names tensors;
//     node.outputs holds every output the op has (a FusedBatchNormV3 has 6);
//   - node.inputs: the data inputs in order; control inputs ("^x") are dropped;
//   - Placeholder -> a graph input named as the node; Const -> an initializer named as the node;
//     a variable (VarHandleOp bound to a checkpoint value) -> an initializer named as the node,
//     read by ReadVariableOp nodes;
//   - attributes keep their TF names: int -> Int, float -> Float, bool -> Int (0/1), string ->
//     String, type -> String (numpy's name, dtype_name(): "float32", "int32"; "resource",
//     "variant"), shape -> Ints (-1 for an unknown dimension; absent for an unknown rank),
//     tensor -> Tensor, func -> String (the function's name); lists alike (list(bool) -> Ints,
//     list(type) -> Strings); attributes TF adds for itself ("_output_shapes", "_class") are
//     dropped;
//   - values of rank >= 3 are ChannelsLast unless the op says data_format "NCHW"/"NCDHW".
#include <layerscope/graph.h>
#include <layerscope/tensor.h>

#include "proto/tensorflow/graph.pb.h"

#include <map>
#include <string>
#include <vector>

namespace layerscope::tensorflow_frontend {

struct FlatGraph {
  const ::tensorflow::GraphDef* graph_def = nullptr;  // its library is not read
  // Values of the variables by the name of the node that holds their handle (a VarHandleOp, or a
  // Placeholder standing for a captured resource).
  std::map<std::string, Tensor> variables;
  std::map<std::string, bool> trainable;  // by the same names; absent = trainable
  // Graph inputs and outputs as TF tensor names ("x", "x:0", "model/out:1"); empty inputs: every
  // Placeholder; empty outputs: every output nothing reads.
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

// Throws Error naming `where` (the file) and the node for a malformed graph: a reference to a
// node that does not exist, a cycle, a duplicate name, a Const whose value cannot be read.
Graph build_graph(const FlatGraph& flat, const std::string& where);

// TF's DataType number -> layerscope's (reference types folded); Undefined if it has none.
DType dtype_from_tf(int tf_dtype);
// TensorProto -> Tensor (tensor_content, or the typed field with its last value repeated).
Tensor tensor_from_proto(const ::tensorflow::TensorProto& proto, const std::string& where);

}  // namespace layerscope::tensorflow_frontend
