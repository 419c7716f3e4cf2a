#pragma once
// Graph IR -> TensorFlow GraphDef, as TensorBoard's Graphs tab draws it:
//  - one NodeDef per IR node, named "<scope>/<short name>" ('/'-separated scopes from Node::scope,
//    so TensorBoard groups the nodes into collapsible name scopes); op = the IR op type;
//  - one NodeDef per graph input, op "Placeholder" with `dtype` and `shape`;
//  - one NodeDef per initializer read by a node, op "Const", named under its first consumer's
//    scope, with `dtype` and `_output_shapes` but no data (TensorBoard draws Const inputs as small
//    icons inside their consumer instead of as nodes of their own);
//  - NodeDef.input: the producers' NodeDef names, "name:k" for output k > 0;
//  - `_output_shapes` on every node (unknown dimensions -1, unknown rank as unknown_rank), so edges
//    show shapes; `T` = the first output's dtype; the node's attributes as AttrValues (tensors and
//    subgraphs as a one-line string summary); `_domain` when the op is not in the default domain.
// Names are unique and keep only the characters TensorFlow allows in node names: letters, digits,
// '_', '.', '-', '/'; anything else becomes '_'.
#include <layerscope/graph.h>

#include "proto/tensorflow/graph.pb.h"

#include <string>

namespace layerscope::tensorboard {

::tensorflow::GraphDef make_graph_def(const Graph& graph);
// make_graph_def() serialized deterministically (attributes in name order): the same graph always
// gives the same bytes.
std::string serialize_graph_def(const Graph& graph);

// A name TensorFlow accepts: disallowed characters replaced by '_', empty '/'-segments dropped,
// and a leading character other than a letter, digit or '.' prefixed with "n". Empty -> "node".
std::string sanitize_node_name(const std::string& name);

}  // namespace layerscope::tensorboard
