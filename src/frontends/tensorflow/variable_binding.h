#pragma once
// Which checkpoint key holds each variable of a SavedModel's graph. A variable is a node of the
// meta graph's own graph (VarHandleOp for resource variables, TF 1's VariableV2); its value is in
// variables/variables.{index,data-*} under a key found, in this order, through
//   1. TF 2's object graph: a call's concrete function binds its last inputs to saved objects
//      (SavedConcreteFunction.bound_inputs); the same object of the checkpoint's object graph
//      (reached from the root by the same edge names) names the variable's key in its attribute
//      "VARIABLE_VALUE";
//   2. the restore ops: a RestoreV2's tensor_names assigned (Assign, AssignVariableOp, through
//      Identity) to the variable, in the graph itself (TF 1: "save/restore_all") or in a function
//      it calls (TF 2's restore function, whose arguments are the call's inputs);
//   3. the variable's node name, or its shared_name, when the checkpoint has that key.
#include "proto/tensorflow/meta_graph.pb.h"
#include "proto/tensorflow/trackable_object_graph.pb.h"

#include <functional>
#include <map>
#include <set>
#include <string>

namespace layerscope::tensorflow_frontend {

struct VariableBinding {
  std::map<std::string, std::string> keys;  // variable node -> checkpoint key
  std::map<std::string, bool> trainable;    // when the SavedModel says (absent: trainable)
};

// The bindings of `variables` (node names of `meta`'s graph) that can be found; a variable left
// out has none. `checkpoint_objects` may be null (TF 1 checkpoints have no object graph).
VariableBinding bind_variables(const ::tensorflow::MetaGraphDef& meta,
                               const ::tensorflow::TrackableObjectGraph* checkpoint_objects,
                               const std::set<std::string>& variables,
                               const std::function<bool(const std::string&)>& has_key);

}  // namespace layerscope::tensorflow_frontend
