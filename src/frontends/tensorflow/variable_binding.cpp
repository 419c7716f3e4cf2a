// Variables to checkpoint keys: the object graph first (TF 2), then the restore ops, then names.
#include "frontends/tensorflow/variable_binding.h"

#include "frontends/tensorflow/function_inliner.h"
#include "proto/tensorflow/variable.pb.h"

#include <deque>
#include <unordered_map>
#include <vector>

namespace layerscope::tensorflow_frontend {
namespace {

namespace tf = ::tensorflow;

bool is_control(const std::string& input) { return !input.empty() && input[0] == '^'; }

std::vector<std::string> data_inputs(const tf::NodeDef& node) {
  std::vector<std::string> inputs;
  for (const std::string& input : node.input())
    if (!is_control(input)) inputs.push_back(input);
  return inputs;
}

// "x" -> (x, 0); "x:k" (a graph's) and "x:out_arg:k" (a function body's, for the single-output-
// argument ops followed here) -> (x, k).
std::pair<std::string, int> split_ref(const std::string& ref) {
  const std::size_t first = ref.find(':');
  if (first == std::string::npos) return {ref, 0};
  const std::size_t last = ref.rfind(':');
  try {
    return {ref.substr(0, first), std::stoi(ref.substr(last + 1))};
  } catch (const std::exception&) {
    return {ref.substr(0, first), -1};
  }
}

// The nodes of a graph or of a function body, by name.
using Nodes = std::unordered_map<std::string, const tf::NodeDef*>;

template <typename Range>
Nodes index_nodes(const Range& nodes) {
  Nodes index;
  for (const tf::NodeDef& node : nodes) index.emplace(node.name(), &node);
  return index;
}

const tf::NodeDef* find(const Nodes& nodes, const std::string& name) {
  const auto it = nodes.find(name);
  return it == nodes.end() ? nullptr : it->second;
}

// The checkpoint keys a RestoreV2 restores: the strings of its tensor_names input, a Const.
std::vector<std::string> restored_names(const tf::NodeDef& restore, const Nodes& nodes) {
  const std::vector<std::string> inputs = data_inputs(restore);
  if (inputs.size() < 2) return {};
  const tf::NodeDef* names = find(nodes, split_ref(inputs[1]).first);
  if (!names || names->op() != "Const") return {};
  const auto value = names->attr().find("value");
  if (value == names->attr().end()) return {};
  const auto& strings = value->second.tensor().string_val();
  return {strings.begin(), strings.end()};
}

// For each Assign/AssignVariableOp among `ordered` (indexed in `nodes`) whose value comes
// (through Identity) from a RestoreV2: the node its variable input names and the restored key.
template <typename Range>
std::vector<std::pair<std::string, std::string>> restore_assignments(const Range& ordered,
                                                                     const Nodes& nodes) {
  std::vector<std::pair<std::string, std::string>> found;
  for (const tf::NodeDef& assign : ordered) {
    const tf::NodeDef* node = &assign;
    if (node->op() != "Assign" && node->op() != "AssignVariableOp") continue;
    const std::vector<std::string> inputs = data_inputs(*node);
    if (inputs.size() < 2) continue;
    auto [source, index] = split_ref(inputs[1]);
    const tf::NodeDef* producer = find(nodes, source);
    for (int hops = 0; producer && producer->op() == "Identity" && hops < 100; ++hops) {
      const std::vector<std::string> through = data_inputs(*producer);
      if (through.empty()) break;
      std::tie(source, index) = split_ref(through[0]);
      producer = find(nodes, source);
    }
    if (!producer || producer->op() != "RestoreV2") continue;
    const std::vector<std::string> keys = restored_names(*producer, nodes);
    if (index >= 0 && index < static_cast<int>(keys.size()))
      found.emplace_back(split_ref(inputs[0]).first, keys[index]);
  }
  return found;
}

class Binder {
 public:
  Binder(const tf::MetaGraphDef& meta, const tf::TrackableObjectGraph* checkpoint_objects,
         const std::set<std::string>& variables,
         const std::function<bool(const std::string&)>& has_key)
      : meta_(meta),
        graph_(meta.graph_def()),
        checkpoint_objects_(checkpoint_objects),
        variables_(variables),
        has_key_(has_key),
        functions_(index_functions(graph_.library())),
        nodes_(index_nodes(graph_.node())) {}

  VariableBinding bind() {
    through_object_graph();
    through_restore_ops();
    through_names();
    trainable_from_collections();
    return std::move(binding_);
  }

 private:
  void set_key(const std::string& variable, const std::string& key) {
    if (variables_.count(variable) && !binding_.keys.count(variable) && has_key_(key))
      binding_.keys.emplace(variable, key);
  }

  // Saved object id -> checkpoint object id, matched by the edge names from the roots.
  std::unordered_map<int, int> match_objects() const {
    const auto& saved = meta_.object_graph_def().nodes();
    const auto& stored = checkpoint_objects_->nodes();
    std::unordered_map<int, int> match;
    if (saved.empty() || stored.empty()) return match;
    std::deque<std::pair<int, int>> queue{{0, 0}};
    match.emplace(0, 0);
    while (!queue.empty()) {
      const auto [s, c] = queue.front();
      queue.pop_front();
      for (const auto& child : saved[s].children()) {
        if (child.node_id() < 0 || child.node_id() >= saved.size() || match.count(child.node_id()))
          continue;
        for (const auto& edge : stored[c].children())
          if (edge.local_name() == child.local_name() && edge.node_id() >= 0 &&
              edge.node_id() < stored.size()) {
            match.emplace(child.node_id(), edge.node_id());
            queue.emplace_back(child.node_id(), edge.node_id());
            break;
          }
      }
    }
    return match;
  }

  void through_object_graph() {
    const tf::SavedObjectGraph& objects = meta_.object_graph_def();
    if (objects.nodes().empty()) return;
    // Variable node -> saved object, from every call whose concrete function binds inputs.
    std::map<std::string, int> object_of;
    for (const tf::NodeDef& node : graph_.node()) {
      const auto function = objects.concrete_functions().find(called_function(node, functions_));
      if (function == objects.concrete_functions().end()) continue;
      const auto& bound = function->second.bound_inputs();
      const std::vector<std::string> inputs = data_inputs(node);
      if (bound.size() > static_cast<int>(inputs.size())) continue;
      const std::size_t first = inputs.size() - bound.size();
      for (int i = 0; i < bound.size(); ++i) {
        const std::string variable = split_ref(inputs[first + i]).first;
        if (variables_.count(variable) && bound[i] >= 0 && bound[i] < objects.nodes_size())
          object_of.emplace(variable, bound[i]);
      }
    }
    for (const auto& [variable, id] : object_of)
      if (objects.nodes(id).has_variable())
        binding_.trainable[variable] = objects.nodes(id).variable().trainable();
    if (!checkpoint_objects_) return;
    const std::unordered_map<int, int> match = match_objects();
    for (const auto& [variable, id] : object_of) {
      const auto stored = match.find(id);
      if (stored == match.end()) continue;
      for (const auto& attribute : checkpoint_objects_->nodes(stored->second).attributes())
        if (attribute.name() == "VARIABLE_VALUE") set_key(variable, attribute.checkpoint_key());
    }
  }

  void through_restore_ops() {
    for (const auto& [variable, key] : restore_assignments(graph_.node(), nodes_))
      set_key(variable, key);
    // TF 2: the restore function's resource arguments are the variables its call passes.
    for (const tf::NodeDef& call : graph_.node()) {
      const auto function = functions_.find(called_function(call, functions_));
      if (function == functions_.end()) continue;
      const tf::FunctionDef& f = *function->second;
      const Nodes body = index_nodes(f.node_def());
      std::unordered_map<std::string, int> argument;
      for (int i = 0; i < f.signature().input_arg_size(); ++i)
        argument.emplace(f.signature().input_arg(i).name(), i);
      const std::vector<std::string> inputs = data_inputs(call);
      for (const auto& [target, key] : restore_assignments(f.node_def(), body)) {
        const auto arg = argument.find(target);
        if (arg != argument.end() && arg->second < static_cast<int>(inputs.size()))
          set_key(split_ref(inputs[arg->second]).first, key);
      }
    }
  }

  void through_names() {
    for (const std::string& variable : variables_) {
      set_key(variable, variable);
      const tf::NodeDef* node = find(nodes_, variable);
      if (!node) continue;
      if (const auto shared = node->attr().find("shared_name"); shared != node->attr().end())
        set_key(variable, shared->second.s());
    }
  }

  // TF 1 lists its variables in the graph collections "variables" and "trainable_variables".
  void trainable_from_collections() {
    const auto& collections = meta_.collection_def();
    const auto listed = [&](const std::string& name) {
      std::set<std::string> nodes;
      const auto it = collections.find(name);
      if (it == collections.end()) return nodes;
      for (const std::string& bytes : it->second.bytes_list().value()) {
        tf::VariableDef def;
        if (def.ParseFromString(bytes)) nodes.insert(split_ref(def.variable_name()).first);
      }
      return nodes;
    };
    if (!collections.count("trainable_variables")) return;
    const std::set<std::string> trainable = listed("trainable_variables");
    for (const std::string& variable : listed("variables"))
      if (variables_.count(variable) && !binding_.trainable.count(variable))
        binding_.trainable[variable] = trainable.count(variable) != 0;
  }

  const tf::MetaGraphDef& meta_;
  const tf::GraphDef& graph_;
  const tf::TrackableObjectGraph* checkpoint_objects_;
  const std::set<std::string>& variables_;
  const std::function<bool(const std::string&)>& has_key_;
  const FunctionIndex functions_;
  const Nodes nodes_;
  VariableBinding binding_;
};

}  // namespace

VariableBinding bind_variables(const tf::MetaGraphDef& meta,
                               const tf::TrackableObjectGraph* checkpoint_objects,
                               const std::set<std::string>& variables,
                               const std::function<bool(const std::string&)>& has_key) {
  return Binder(meta, checkpoint_objects, variables, has_key).bind();
}

}  // namespace layerscope::tensorflow_frontend
