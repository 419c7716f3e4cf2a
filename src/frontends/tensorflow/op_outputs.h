#pragma once
// How many outputs a TF node has and where a named output argument sits among them. A NodeDef
// does not say: it is in each op's registered signature, which a GraphDef does not carry. Only the
// ops whose outputs are not one tensor need an entry; others have one.
#include "proto/tensorflow/node_def.pb.h"

#include <string>

namespace layerscope::tensorflow_frontend {

// The number of outputs of `node` (0 for NoOp; num_split for Split; 6 for FusedBatchNormV3 ...);
// -1 for an op not listed here, which has one output unless the graph reads more.
int output_count(const ::tensorflow::NodeDef& node);

// The flat output index of `arg`:`k` of `node`, as a FunctionDef names outputs
// ("bn/FusedBatchNormV3:y:0", "split:output:1"); -1 when the op has no such output argument.
int output_index(const ::tensorflow::NodeDef& node, const std::string& arg, int k);

}  // namespace layerscope::tensorflow_frontend
