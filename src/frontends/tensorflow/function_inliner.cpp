// Function inlining for TF 2 graphs: each call's body copied in under readable unique names, its
// arguments and results rewired, recursively, with cycles of calls refused.
#include "frontends/tensorflow/function_inliner.h"

#include <layerscope/error.h>

#include "frontends/tensorflow/op_outputs.h"

#include <algorithm>
#include <deque>
#include <unordered_set>

namespace layerscope::tensorflow_frontend {
namespace {

namespace tf = ::tensorflow;

bool is_control(const std::string& input) { return !input.empty() && input[0] == '^'; }

bool is_call_op(const std::string& op) {
  return op == "PartitionedCall" || op == "StatefulPartitionedCall";
}

std::string scope_of(const std::string& name) {
  const std::size_t slash = name.rfind('/');
  return slash == std::string::npos ? "" : name.substr(0, slash);
}

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "/" + name;
}

std::string flat_ref(const std::string& node, int index) {
  return index == 0 ? node : node + ":" + std::to_string(index);
}

// The node of an outer-graph tensor name ("x:1" -> "x").
std::string node_of(const std::string& ref) {
  const std::string source = is_control(ref) ? ref.substr(1) : ref;
  const std::size_t colon = source.find(':');
  return colon == std::string::npos ? source : source.substr(0, colon);
}

bool parse_index(const std::string& digits, int& out) {
  if (digits.empty() || digits.size() > 6 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  out = std::stoi(digits);
  return true;
}

class Inliner {
 public:
  Inliner(const tf::GraphDef& graph, const std::string& where)
      : graph_(graph), where_(where), functions_(index_functions(graph.library())) {}

  tf::GraphDef run() {
    for (const tf::NodeDef& node : graph_.node()) used_.insert(node.name());
    for (const tf::NodeDef& node : graph_.node()) {
      tf::NodeDef copy = node;
      copy.clear_input();
      for (const std::string& input : node.input())
        if (!is_control(input)) copy.add_input(input);
      emit(std::move(copy), node.name(), "");
    }
    *out_.mutable_versions() = graph_.versions();
    return std::move(out_);
  }

 private:
  // Adds `node` (its inputs already flat tensor names) to the flat graph, or inlines it if it is a
  // call. `original` is its name in its own graph or body, `prefix` what that body's names get.
  void emit(tf::NodeDef node, const std::string& original, const std::string& prefix) {
    const std::string callee = called_function(node, functions_);
    if (callee.empty()) {
      *out_.add_node() = std::move(node);
      return;
    }
    inline_call(node, callee, join(prefix, scope_of(original)));
  }

  std::string unique_name(const std::string& preferred, const std::string& fallback) {
    if (used_.insert(preferred).second) return preferred;
    if (used_.insert(fallback).second) return fallback;
    for (int n = 1;; ++n)
      if (used_.insert(fallback + "_" + std::to_string(n)).second)
        return fallback + "_" + std::to_string(n);
  }

  [[noreturn]] void cycle(const std::string& name) const {
    std::string path;
    for (auto it = std::find(stack_.begin(), stack_.end(), name); it != stack_.end(); ++it)
      path += *it + " -> ";
    throw Error(where_ + ": function calls form a cycle: " + path + name +
                " (a graph must be acyclic)");
  }

  void inline_call(const tf::NodeDef& call, const std::string& name, const std::string& prefix) {
    const std::string at_call = where_ + ": node '" + call.name() + "' (" + call.op() + ")";
    const auto found = functions_.find(name);
    if (found == functions_.end())
      throw Error(at_call + " calls function '" + name +
                  "', which the graph's function library does not define");
    if (std::find(stack_.begin(), stack_.end(), name) != stack_.end()) cycle(name);
    stack_.push_back(name);
    const tf::FunctionDef& function = *found->second;
    const tf::OpDef& signature = function.signature();
    const std::string at_function = where_ + ": function '" + name + "'";

    if (call.input_size() != signature.input_arg_size())
      throw Error(at_call + " passes " + std::to_string(call.input_size()) +
                  " inputs to function '" + name + "', which takes " +
                  std::to_string(signature.input_arg_size()));
    std::unordered_map<std::string, std::string> args;
    for (int i = 0; i < signature.input_arg_size(); ++i) {
      const tf::OpDef::ArgDef& arg = signature.input_arg(i);
      if (!arg.number_attr().empty() || !arg.type_list_attr().empty())
        throw Error(at_function + ": argument '" + arg.name() +
                    "' is a list of tensors, which is not supported");
      args[arg.name()] = call.input(i);
    }

    Body body{args, {}, {}};
    for (const tf::NodeDef& node : function.node_def())
      if (!body.nodes.emplace(node.name(), &node).second)
        throw Error(at_function + ": two nodes are named '" + node.name() + "'");
    // Names first, in body order: a body's own nodes take precedence over the nested calls'.
    for (const tf::NodeDef& node : function.node_def())
      body.names[node.name()] =
          unique_name(join(prefix, node.name()), join(call.name(), node.name()));
    for (const tf::NodeDef& node : function.node_def()) {
      tf::NodeDef copy = node;
      copy.set_name(body.names.at(node.name()));
      copy.clear_input();
      const std::string at_node = at_function + ", node '" + node.name() + "' (" + node.op() + ")";
      for (const std::string& input : node.input())
        if (!is_control(input)) copy.add_input(resolve(input, body, at_node));
      emit(std::move(copy), node.name(), prefix);
    }

    tf::NodeDef results;
    results.set_name(call.name());
    results.set_op("IdentityN");
    results.set_device(call.device());
    auto* types = (*results.mutable_attr())["T"].mutable_list();
    const auto tout = call.attr().find("Tout");
    for (int i = 0; i < signature.output_arg_size(); ++i) {
      const tf::OpDef::ArgDef& arg = signature.output_arg(i);
      if (!arg.number_attr().empty() || !arg.type_list_attr().empty())
        throw Error(at_function + ": result '" + arg.name() +
                    "' is a list of tensors, which is not supported");
      const auto ret = function.ret().find(arg.name());
      if (ret == function.ret().end())
        throw Error(at_function + ": result '" + arg.name() + "' has no value in its `ret`");
      results.add_input(resolve(ret->second, body, at_function + ", result '" + arg.name() + "'"));
      types->add_type(static_cast<tf::DataType>(
          result_type(call, arg, tout == call.attr().end() ? nullptr : &tout->second, i)));
    }
    if (results.input_size() > 0) *out_.add_node() = std::move(results);
    stack_.pop_back();
  }

  struct Body {
    std::unordered_map<std::string, std::string> args;  // argument -> flat tensor name
    std::unordered_map<std::string, const tf::NodeDef*> nodes;
    std::unordered_map<std::string, std::string> names;  // body node -> flat node name
  };

  // A body's reference ("arg", "node:out_arg:k") as a flat tensor name.
  std::string resolve(const std::string& ref, const Body& body, const std::string& at) const {
    const std::size_t first = ref.find(':');
    const std::string node = ref.substr(0, first);
    if (first == std::string::npos) {
      if (const auto arg = body.args.find(ref); arg != body.args.end()) return arg->second;
      if (const auto n = body.names.find(ref); n != body.names.end()) return n->second;
      throw Error(at + " reads '" + ref + "', which is neither an argument nor a node of the body");
    }
    const auto it = body.nodes.find(node);
    const std::size_t second = ref.find(':', first + 1);
    int k = 0;
    if (second == std::string::npos) {
      // "node:k", a graph-style reference some writers use: output k of the node, or the argument.
      if (!parse_index(ref.substr(first + 1), k))
        throw Error(at + " reads '" + ref + "'; expected 'node:output_arg:k' or an argument");
      if (const auto arg = body.args.find(node); arg != body.args.end() && k == 0)
        return arg->second;
      if (it == body.nodes.end())
        throw Error(at + " reads '" + ref + "', which is not a node of the body");
      return flat_ref(body.names.at(node), k);
    }
    if (it == body.nodes.end())
      throw Error(at + " reads '" + ref + "', which is not a node of the body");
    const std::string arg = ref.substr(first + 1, second - first - 1);
    if (!parse_index(ref.substr(second + 1), k))
      throw Error(at + " reads '" + ref + "'; expected 'node:output_arg:k'");
    const int index = body_output_index(*it->second, arg, k, functions_);
    if (index < 0)
      throw Error(at + " reads '" + ref + "', but node '" + node + "' (" + it->second->op() +
                  ") has no output '" + arg + ":" + std::to_string(k) + "'");
    return flat_ref(body.names.at(node), index);
  }

  // The type of result i: the call's Tout, else the signature's type or its type attribute's
  // value on the call.
  static int result_type(const tf::NodeDef& call, const tf::OpDef::ArgDef& arg,
                         const tf::AttrValue* tout, int i) {
    if (tout && i < tout->list().type_size()) return tout->list().type(i);
    if (arg.type() != tf::DT_INVALID) return arg.type();
    if (const auto a = call.attr().find(arg.type_attr()); a != call.attr().end())
      return a->second.type();
    return tf::DT_INVALID;
  }

  const tf::GraphDef& graph_;
  const std::string where_;
  const FunctionIndex functions_;
  tf::GraphDef out_;
  std::unordered_set<std::string> used_;
  std::vector<std::string> stack_;  // the functions being inlined, outermost first
};

}  // namespace

FunctionIndex index_functions(const tf::FunctionDefLibrary& library) {
  FunctionIndex index;
  for (const tf::FunctionDef& f : library.function()) index.emplace(f.signature().name(), &f);
  return index;
}

std::string called_function(const tf::NodeDef& node, const FunctionIndex& functions) {
  if (is_call_op(node.op())) {
    const auto f = node.attr().find("f");
    return f == node.attr().end() ? "" : f->second.func().name();
  }
  return functions.count(node.op()) ? node.op() : "";
}

int body_output_index(const tf::NodeDef& body_node, const std::string& out_arg, int k,
                      const FunctionIndex& functions) {
  if (is_call_op(body_node.op())) return out_arg == "output" ? k : -1;
  if (const auto f = functions.find(body_node.op()); f != functions.end()) {
    // A function used as an op: its results are single tensors, one per output argument.
    const auto& outputs = f->second->signature().output_arg();
    for (int i = 0; i < outputs.size(); ++i)
      if (outputs[i].name() == out_arg) return k == 0 ? i : -1;
    return -1;
  }
  return output_index(body_node, out_arg, k);
}

tf::GraphDef prune(const tf::GraphDef& graph, const std::vector<std::string>& wanted,
                   const std::vector<std::string>& keep, const std::string& where) {
  std::unordered_map<std::string, int> by_name;
  for (int i = 0; i < graph.node_size(); ++i) by_name.emplace(graph.node(i).name(), i);
  std::vector<bool> needed(graph.node_size(), false);
  std::deque<int> queue;
  const auto need = [&](const std::string& node) {
    const auto it = by_name.find(node);
    if (it == by_name.end() || needed[it->second]) return it != by_name.end();
    needed[it->second] = true;
    queue.push_back(it->second);
    return true;
  };
  for (const std::string& tensor : wanted)
    if (!need(node_of(tensor)))
      throw Error(where + ": tensor '" + tensor + "' is not in the graph (no node '" +
                  node_of(tensor) + "')");
  for (const std::string& node : keep) need(node);
  while (!queue.empty()) {
    const tf::NodeDef& node = graph.node(queue.front());
    queue.pop_front();
    for (const std::string& input : node.input())
      if (!is_control(input)) need(node_of(input));
  }
  tf::GraphDef pruned;
  for (int i = 0; i < graph.node_size(); ++i)
    if (needed[i]) *pruned.add_node() = graph.node(i);
  *pruned.mutable_library() = graph.library();
  *pruned.mutable_versions() = graph.versions();
  return pruned;
}

tf::GraphDef inline_functions(const tf::GraphDef& graph, const std::string& where) {
  return Inliner(graph, where).run();
}

}  // namespace layerscope::tensorflow_frontend
