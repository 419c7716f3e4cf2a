// ONNX file -> graph IR: parse, inline external data, check, infer shapes, convert.
#include "frontends/onnx/external_data.h"
#include "frontends/onnx/tensor_proto.h"

#include <layerscope/error.h>
#include <layerscope/onnx.h>

#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <queue>
#include <set>
#include <sstream>

namespace layerscope {
namespace {

using onnx_frontend::take_tensor_from_proto;
using onnx_frontend::tensor_from_proto;

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  const auto last = text.find_last_not_of(' ');
  return text.substr(0, last == std::string::npos ? 0 : last + 1);
}

// Name scope of a node from its '/'-separated name: "/layer1/layer1.0/conv1/Conv" ->
// "layer1/layer1.0/conv1"; "sequential/dense/MatMul" -> "sequential/dense".
std::string scope_of(const std::string& node_name) {
  const auto slash = node_name.rfind('/');
  if (slash == std::string::npos) return "";
  std::string scope = node_name.substr(0, slash);
  const auto first = scope.find_first_not_of('/');
  return first == std::string::npos ? "" : scope.substr(first);
}

void apply_type(const onnx::TypeProto& type, Value& value) {
  if (!type.has_tensor_type()) return;
  const auto& tensor_type = type.tensor_type();
  if (tensor_type.elem_type() != 0) value.dtype = static_cast<DType>(tensor_type.elem_type());
  if (!tensor_type.has_shape()) return;
  StaticShape shape;
  for (const auto& d : tensor_type.shape().dim()) {
    Dim dim;
    if (d.has_dim_value()) dim.value = d.dim_value();
    if (d.has_dim_param()) dim.symbol = d.dim_param();
    shape.push_back(dim);
  }
  value.shape = std::move(shape);
}

class GraphBuilder {
 public:
  GraphBuilder(std::string model_path, std::map<std::string, int> opsets)
      : model_path_(std::move(model_path)), opsets_(std::move(opsets)) {}

  // Builds the main graph, taking its initializers' raw bytes out of `proto` rather than copying
  // them (the weights are most of a model's size).
  Graph build_main(onnx::GraphProto& proto) {
    for (auto& init : *proto.mutable_initializer())
      if (init.has_raw_data() && !taken_.count(init.name()))
        taken_.emplace(init.name(), take_tensor_from_proto(init, initializer_where(init)));
    return build(proto, {});
  }

  // `outer_names` are the values visible from enclosing graphs (empty for the main graph).
  Graph build(const onnx::GraphProto& proto, const std::set<std::string>& outer_names) {
    Graph graph;
    graph.name = proto.name();
    graph.opsets = opsets_;
    std::map<std::string, int> index;
    auto add_value = [&](const std::string& name, ValueKind kind) {
      Value v;
      v.name = name;
      v.kind = kind;
      graph.values.push_back(std::move(v));
      index[name] = static_cast<int>(graph.values.size() - 1);
      return static_cast<int>(graph.values.size() - 1);
    };

    for (const auto& init : proto.initializer()) {
      if (index.count(init.name()))
        throw Error(where_graph(graph) + ": initializer '" + init.name() + "' is defined twice");
      Value& v = graph.values[add_value(init.name(), ValueKind::Initializer)];
      auto taken = outer_names.empty() ? taken_.find(init.name()) : taken_.end();
      if (taken != taken_.end()) {
        v.data = std::move(taken->second);
        taken_.erase(taken);
      } else {
        v.data = tensor_from_proto(init, initializer_where(init));
      }
      v.dtype = v.data.dtype();
      v.shape = StaticShape();
      for (int64_t d : v.data.shape()) v.shape->push_back(Dim{d, ""});
    }
    for (const auto& input : proto.input()) {
      if (index.count(input.name())) continue;  // an initializer with a default (IR < 4)
      graph.inputs.push_back(add_value(input.name(), ValueKind::Input));
    }
    for (const auto& node : proto.node())
      for (const auto& out : node.output()) {
        if (out.empty()) continue;
        if (index.count(out))
          throw Error(where_graph(graph) + ": value '" + out + "' is produced twice (by node '" +
                      node.name() + "' " + node.op_type() + " and an earlier definition)");
        add_value(out, ValueKind::Intermediate);
      }

    std::set<std::string> visible_to_subgraphs = outer_names;
    for (const auto& entry : index) visible_to_subgraphs.insert(entry.first);
    auto resolve = [&](const std::string& name, const std::string& reader) -> int {
      if (name.empty()) return -1;
      auto it = index.find(name);
      if (it != index.end()) return it->second;
      if (outer_names.count(name)) return add_value(name, ValueKind::OuterScope);
      throw Error(where_graph(graph) + ": " + reader + " reads '" + name +
                  "', which no node, graph input or initializer defines");
    };

    std::set<std::string> taken_names;
    for (int n = 0; n < proto.node_size(); ++n) {
      const auto& np = proto.node(n);
      Node node;
      node.op_type = np.op_type();
      node.domain = np.domain() == "ai.onnx" ? "" : np.domain();
      node.name = np.name();
      if (node.name.empty() || taken_names.count(node.name)) {
        std::string base = node.name.empty() ? (np.output_size() && !np.output(0).empty()
                                                    ? np.output(0)
                                                    : node.op_type + "_" + std::to_string(n))
                                             : node.name;
        node.name = base;
        for (int k = 2; taken_names.count(node.name); ++k)
          node.name = base + "_" + std::to_string(k);
      }
      taken_names.insert(node.name);
      node.scope = scope_of(node.name);
      const std::string reader = "node '" + node.name + "' (" + node.op_type + ")";
      for (const auto& in : np.input()) node.inputs.push_back(resolve(in, reader));
      for (const auto& out : np.output()) node.outputs.push_back(out.empty() ? -1 : index.at(out));
      for (const auto& ap : np.attribute()) add_attribute(ap, node, visible_to_subgraphs, resolve);
      graph.nodes.push_back(std::move(node));
    }

    for (const auto& vi : proto.input()) apply_type(vi.type(), graph.values[index.at(vi.name())]);
    for (const auto& vi : proto.value_info()) {
      auto it = index.find(vi.name());
      if (it != index.end()) apply_type(vi.type(), graph.values[it->second]);
    }
    for (const auto& out : proto.output()) {
      const int v = resolve(out.name(), "graph output list");
      apply_type(out.type(), graph.values[v]);
      graph.outputs.push_back(v);
    }
    sort_topologically(graph);
    graph.reindex();
    return graph;
  }

 private:
  template <typename Resolve>
  void add_attribute(const onnx::AttributeProto& ap, Node& node,
                     const std::set<std::string>& visible, Resolve& resolve) {
    Attribute a;
    const std::string where =
        "model '" + model_path_ + "', node '" + node.name + "', attribute '" + ap.name() + "'";
    auto subgraph = [&](const onnx::GraphProto& gp) {
      auto sub = std::make_shared<Graph>(build(gp, visible));
      // Whatever the subgraph reads from outside becomes an input of this node, so the executor
      // keeps it alive until the node ran.
      for (const Value& v : sub->values) {
        if (v.kind != ValueKind::OuterScope) continue;
        const int outer = resolve(v.name, "a subgraph of node '" + node.name + "'");
        if (std::find(node.captured_inputs.begin(), node.captured_inputs.end(), outer) ==
            node.captured_inputs.end())
          node.captured_inputs.push_back(outer);
      }
      return std::shared_ptr<const Graph>(std::move(sub));
    };
    switch (ap.type()) {
      case onnx::AttributeProto::FLOAT:
        a.kind = Attribute::Kind::Float;
        a.f = ap.f();
        break;
      case onnx::AttributeProto::INT:
        a.kind = Attribute::Kind::Int;
        a.i = ap.i();
        break;
      case onnx::AttributeProto::STRING:
        a.kind = Attribute::Kind::String;
        a.s = ap.s();
        break;
      case onnx::AttributeProto::TENSOR:
        a.kind = Attribute::Kind::Tensor;
        a.t = tensor_from_proto(ap.t(), where);
        break;
      case onnx::AttributeProto::GRAPH:
        a.kind = Attribute::Kind::Graph;
        a.g = subgraph(ap.g());
        break;
      case onnx::AttributeProto::FLOATS:
        a.kind = Attribute::Kind::Floats;
        a.floats.assign(ap.floats().begin(), ap.floats().end());
        break;
      case onnx::AttributeProto::INTS:
        a.kind = Attribute::Kind::Ints;
        a.ints.assign(ap.ints().begin(), ap.ints().end());
        break;
      case onnx::AttributeProto::STRINGS:
        a.kind = Attribute::Kind::Strings;
        a.strings.assign(ap.strings().begin(), ap.strings().end());
        break;
      case onnx::AttributeProto::TENSORS:
        a.kind = Attribute::Kind::Tensors;
        for (const auto& t : ap.tensors()) a.tensors.push_back(tensor_from_proto(t, where));
        break;
      case onnx::AttributeProto::GRAPHS:
        a.kind = Attribute::Kind::Graphs;
        for (const auto& g : ap.graphs()) a.graphs.push_back(subgraph(g));
        break;
      default:
        // Sparse tensors and type protos: kept out of the IR; a kernel needing one says so.
        return;
    }
    node.attributes[ap.name()] = std::move(a);
  }

  std::string where_graph(const Graph& graph) const {
    return "model '" + model_path_ + "'" +
           (graph.name.empty() ? "" : ", graph '" + graph.name + "'");
  }

  // Stable Kahn sort: keeps the file's order where it is already valid, names a node on a cycle.
  void sort_topologically(Graph& graph) const {
    const int count = static_cast<int>(graph.nodes.size());
    std::vector<int> producer(graph.values.size(), -1);
    for (int n = 0; n < count; ++n)
      for (int out : graph.nodes[n].outputs)
        if (out >= 0) producer[out] = n;
    std::vector<std::vector<int>> dependents(count);
    std::vector<int> pending(count, 0);
    for (int n = 0; n < count; ++n) {
      std::set<int> deps;
      auto depend = [&](int v) {
        if (v >= 0 && producer[v] >= 0) deps.insert(producer[v]);
      };
      for (int in : graph.nodes[n].inputs) depend(in);
      for (int in : graph.nodes[n].captured_inputs) depend(in);
      for (int d : deps) {
        if (d == n)
          throw Error(where_graph(graph) + ": node '" + graph.nodes[n].name +
                      "' reads its own output (a cycle)");
        dependents[d].push_back(n);
      }
      pending[n] = static_cast<int>(deps.size());
    }
    std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
    for (int n = 0; n < count; ++n)
      if (pending[n] == 0) ready.push(n);
    std::vector<int> order;
    while (!ready.empty()) {
      const int n = ready.top();
      ready.pop();
      order.push_back(n);
      for (int d : dependents[n])
        if (--pending[d] == 0) ready.push(d);
    }
    if (static_cast<int>(order.size()) != count) {
      for (int n = 0; n < count; ++n)
        if (pending[n] > 0)
          throw Error(where_graph(graph) + ": the graph has a cycle through node '" +
                      graph.nodes[n].name + "' (" + graph.nodes[n].op_type + ")");
    }
    std::vector<Node> sorted;
    sorted.reserve(count);
    for (int n : order) sorted.push_back(std::move(graph.nodes[n]));
    graph.nodes = std::move(sorted);
  }

  std::string initializer_where(const onnx::TensorProto& init) const {
    return "model '" + model_path_ + "', initializer '" + init.name() + "'";
  }

  std::string model_path_;
  std::map<std::string, int> opsets_;
  std::map<std::string, Tensor> taken_;  // main-graph initializers already converted
};

// Parses the file straight from its descriptor: no copy of the whole file is held beside the
// parsed model.
void parse_model_file(const std::string& path, onnx::ModelProto& proto) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot read model '" + path + "': " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || S_ISDIR(info.st_mode)) {
    const int error = S_ISDIR(info.st_mode) ? EISDIR : errno;
    ::close(fd);
    throw Error("cannot read model '" + path + "': " + std::strerror(error));
  }
  google::protobuf::io::FileInputStream stream(fd);
  stream.SetCloseOnDelete(true);
  const bool parsed = info.st_size > 0 && proto.ParseFromZeroCopyStream(&stream);
  if (stream.GetErrno() != 0)
    throw Error("cannot read model '" + path + "': " + std::strerror(stream.GetErrno()));
  if (!parsed)
    throw Error("'" + path + "' is not a valid ONNX model: the protobuf does not parse (" +
                std::to_string(info.st_size) + " bytes; truncated or corrupt file?)");
}

}  // namespace

Model load_onnx(const std::string& path, const OnnxLoadOptions& options) {
  onnx::ModelProto proto;
  parse_model_file(path, proto);
  if (!proto.has_graph()) throw Error("'" + path + "' is not a valid ONNX model: it has no graph");

  onnx_frontend::inline_external_data(proto, path);
  if (options.check) {
    try {
      onnx::checker::check_model(proto);
    } catch (const std::exception& e) {
      throw Error("model '" + path + "' fails the ONNX checker: " + one_line(e.what()));
    }
  }
  if (options.infer_shapes) {
    try {
      onnx::ShapeInferenceOptions inference;
      inference.check_type = false;
      inference.error_mode = 0;  // a node it cannot infer keeps unknown shapes; not an error
      inference.enable_data_propagation = true;
      onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(), inference);
    } catch (const std::exception&) {
      // Shapes stay as the file gives them; running the model does not need them.
    }
  }

  std::map<std::string, int> opsets;
  for (const auto& op : proto.opset_import())
    opsets[op.domain() == "ai.onnx" ? "" : op.domain()] = static_cast<int>(op.version());
  if (!opsets.count("")) opsets[""] = 1;  // IR v3 files without an import mean opset 1

  Model model;
  model.path = path;
  model.format = "onnx";
  model.ir_version = proto.ir_version();
  model.producer_name = proto.producer_name();
  model.producer_version = proto.producer_version();
  model.doc_string = proto.doc_string();
  model.graph = GraphBuilder(path, opsets).build_main(*proto.mutable_graph());
  return model;
}

}  // namespace layerscope
