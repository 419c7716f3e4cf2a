#pragma once
// Turns a TF 2 graph, whose work happens in function calls (StatefulPartitionedCall and
// PartitionedCall naming a function of the graph's library in `f`, or a node whose op is a library
// function), into one flat GraphDef the graph builder reads.
//
// Each call's body is copied in, recursively: a body node is named after the call's scope
// ("model/dense/MatMul" inside a call of scope "" stays "model/dense/MatMul"; inside
// "encoder/StatefulPartitionedCall" it becomes "encoder/model/dense/MatMul"), or after the call
// itself when that name is taken ("StatefulPartitionedCall/model/dense/MatMul"), so names stay
// unique and readable. A body's references to its arguments become the call's inputs; its
// references to outputs ("dense/BiasAdd:output:0", "bn/FusedBatchNormV3:y:0") become flat tensor
// names ("dense/BiasAdd", "bn/FusedBatchNormV3"). The call itself becomes an IdentityN of the
// function's results under the call's name, so "StatefulPartitionedCall:1" still names its
// second result. Control inputs are dropped, as the graph IR drops them.
#include "proto/tensorflow/graph.pb.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace layerscope::tensorflow_frontend {

// A graph's function library by function name.
using FunctionIndex = std::unordered_map<std::string, const ::tensorflow::FunctionDef*>;
FunctionIndex index_functions(const ::tensorflow::FunctionDefLibrary& library);

// The name of the function `node` calls: `f` of a (Stateful)PartitionedCall, whether the library
// defines it or not, or its op when that is a library function; "" when it calls none.
std::string called_function(const ::tensorflow::NodeDef& node, const FunctionIndex& functions);

// Which output of `body_node` a function body's reference "node:out_arg:k" names (output k of
// its output argument out_arg, the op's output arguments counted in order); -1 when it has none.
int body_output_index(const ::tensorflow::NodeDef& body_node, const std::string& out_arg, int k,
                      const FunctionIndex& functions);

// The nodes of `graph` that the tensors `wanted` ("x", "x:1") depend on through data inputs,
// plus the nodes of `keep`, in the graph's order. Throws Error naming `where` when a wanted
// tensor's node does not exist.
::tensorflow::GraphDef prune(const ::tensorflow::GraphDef& graph,
                             const std::vector<std::string>& wanted,
                             const std::vector<std::string>& keep, const std::string& where);

// `graph` with every function call inlined (its library is not copied). Throws Error naming
// `where`, the function and the node for a call of an unknown function, a cycle of function calls,
// a reference to a node or argument the body does not have, or a call whose inputs do not match
// the function's arguments.
::tensorflow::GraphDef inline_functions(const ::tensorflow::GraphDef& graph,
                                        const std::string& where);

}  // namespace layerscope::tensorflow_frontend
