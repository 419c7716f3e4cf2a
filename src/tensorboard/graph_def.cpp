// Graph IR -> GraphDef (see graph_def.h). Reads only the format-neutral IR.
#include "tensorboard/graph_def.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cctype>
#include <set>
#include <sstream>

namespace layerscope::tensorboard {
namespace {

namespace pb = ::tensorflow;

pb::DataType to_tf_dtype(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return pb::DT_FLOAT;
    case DType::Float64:
      return pb::DT_DOUBLE;
    case DType::Float16:
      return pb::DT_HALF;
    case DType::BFloat16:
      return pb::DT_BFLOAT16;
    case DType::Int8:
      return pb::DT_INT8;
    case DType::Int16:
      return pb::DT_INT16;
    case DType::Int32:
      return pb::DT_INT32;
    case DType::Int64:
      return pb::DT_INT64;
    case DType::UInt8:
      return pb::DT_UINT8;
    case DType::UInt16:
      return pb::DT_UINT16;
    case DType::UInt32:
      return pb::DT_UINT32;
    case DType::UInt64:
      return pb::DT_UINT64;
    case DType::Bool:
      return pb::DT_BOOL;
    case DType::String:
      return pb::DT_STRING;
    case DType::Complex64:
      return pb::DT_COMPLEX64;
    case DType::Complex128:
      return pb::DT_COMPLEX128;
    case DType::Undefined:
      break;
  }
  return pb::DT_INVALID;
}

void set_shape(const std::optional<StaticShape>& shape, pb::TensorShapeProto* out) {
  if (!shape) {
    out->set_unknown_rank(true);
    return;
  }
  for (const Dim& dim : *shape) {
    pb::TensorShapeProto::Dim* d = out->add_dim();
    d->set_size(dim.known() ? dim.value : -1);
    if (!dim.symbol.empty()) d->set_name(dim.symbol);
  }
}

std::string tensor_summary(const Tensor& t) {
  return "tensor " + dtype_name(t.dtype()) + " " + shape_string(t.shape());
}

std::string graph_summary(const std::shared_ptr<const Graph>& g) {
  if (!g) return "graph (none)";
  std::ostringstream out;
  out << "graph '" << g->name << "': " << g->nodes.size() << " nodes, " << g->inputs.size()
      << " inputs, " << g->outputs.size() << " outputs";
  return out.str();
}

pb::AttrValue to_attr_value(const Attribute& a) {
  pb::AttrValue v;
  switch (a.kind) {
    case Attribute::Kind::Float:
      v.set_f(static_cast<float>(a.f));
      break;
    case Attribute::Kind::Int:
      v.set_i(a.i);
      break;
    case Attribute::Kind::String:
      v.set_s(a.s);
      break;
    case Attribute::Kind::Tensor:
      v.set_s(tensor_summary(a.t));
      break;
    case Attribute::Kind::Graph:
      v.set_s(graph_summary(a.g));
      break;
    case Attribute::Kind::Floats:
      for (double f : a.floats) v.mutable_list()->add_f(static_cast<float>(f));
      break;
    case Attribute::Kind::Ints:
      v.mutable_list()->mutable_i()->Add(a.ints.begin(), a.ints.end());
      break;
    case Attribute::Kind::Strings:
      for (const std::string& s : a.strings) v.mutable_list()->add_s(s);
      break;
    case Attribute::Kind::Tensors:
      for (const Tensor& t : a.tensors) v.mutable_list()->add_s(tensor_summary(t));
      break;
    case Attribute::Kind::Graphs:
      for (const auto& g : a.graphs) v.mutable_list()->add_s(graph_summary(g));
      break;
  }
  if (v.value_case() == pb::AttrValue::VALUE_NOT_SET) v.mutable_list();  // an empty list
  return v;
}

// The last '/'-segment of a node's name ("/layer1/conv1/Conv" -> "Conv").
std::string short_name(const std::string& name) {
  std::string trimmed = name;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  const std::size_t slash = trimmed.rfind('/');
  return slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
}

std::string join_scope(const std::string& scope, const std::string& leaf) {
  return scope.empty() ? leaf : scope + "/" + leaf;
}

class Namer {
 public:
  // A sanitized name not used before; "<name>_<n>" on a collision.
  std::string unique(const std::string& wanted) {
    const std::string base = sanitize_node_name(wanted);
    std::string name = base;
    for (int n = 1; used_.count(name); ++n) name = base + "_" + std::to_string(n);
    used_.insert(name);
    return name;
  }

 private:
  std::set<std::string> used_;
};

}  // namespace

std::string sanitize_node_name(const std::string& name) {
  std::string out;
  std::string segment;
  auto flush = [&] {
    if (segment.empty()) return;
    if (!out.empty()) out += '/';
    out += segment;
    segment.clear();
  };
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '/') {
      flush();
    } else if (std::isalnum(u) || c == '_' || c == '.' || c == '-') {
      segment += c;
    } else {
      segment += '_';
    }
  }
  flush();
  if (out.empty()) return "node";
  const unsigned char first = static_cast<unsigned char>(out[0]);
  if (!std::isalnum(first) && out[0] != '.') out = "n" + out;
  return out;
}

pb::GraphDef make_graph_def(const Graph& graph) {
  pb::GraphDef def;
  def.mutable_versions()->set_producer(22);
  Namer namer;
  // NodeDef name of each value's source: a Placeholder, a Const, or "<producer>[:k]".
  std::vector<std::string> source(graph.values.size());

  for (int index : graph.inputs) {
    if (index < 0 || index >= static_cast<int>(graph.values.size())) continue;
    const Value& value = graph.values[index];
    pb::NodeDef* node = def.add_node();
    node->set_name(namer.unique(value.name));
    node->set_op("Placeholder");
    auto& attr = *node->mutable_attr();
    if (value.dtype != DType::Undefined) attr["dtype"].set_type(to_tf_dtype(value.dtype));
    set_shape(value.shape, attr["shape"].mutable_shape());
    set_shape(value.shape, attr["_output_shapes"].mutable_list()->add_shape());
    source[index] = node->name();
  }

  // Node names first, so that inputs can name producers that come later (they do not in a
  // topologically sorted graph, but a name must not depend on that).
  std::vector<std::string> node_names(graph.nodes.size());
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    node_names[n] = namer.unique(join_scope(node.scope, short_name(node.name)));
    for (std::size_t k = 0; k < node.outputs.size(); ++k) {
      const int out = node.outputs[k];
      if (out < 0 || out >= static_cast<int>(graph.values.size())) continue;
      source[out] = k == 0 ? node_names[n] : node_names[n] + ":" + std::to_string(k);
    }
  }

  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    // Weights read by this node that have no NodeDef yet: one Const each, in this node's scope.
    for (int in : node.inputs) {
      if (in < 0 || in >= static_cast<int>(graph.values.size()) || !source[in].empty()) continue;
      const Value& value = graph.values[in];
      if (value.kind != ValueKind::Initializer) continue;
      pb::NodeDef* weight = def.add_node();
      // A weight named under its layer (Keras: "dense/kernel" of layer "dense") keeps that path,
      // so TensorBoard draws it inside the layer's group; others go to the node's scope.
      const bool under_node = value.name.compare(0, node.name.size() + 1, node.name + "/") == 0;
      weight->set_name(
          namer.unique(under_node ? value.name : join_scope(node.scope, short_name(value.name))));
      weight->set_op("Const");
      auto& attr = *weight->mutable_attr();
      const DType dtype = value.data.defined() ? value.data.dtype() : value.dtype;
      if (dtype != DType::Undefined) attr["dtype"].set_type(to_tf_dtype(dtype));
      set_shape(value.shape, attr["_output_shapes"].mutable_list()->add_shape());
      source[in] = weight->name();
    }

    pb::NodeDef* out = def.add_node();
    out->set_name(node_names[n]);
    out->set_op(node.op_type.empty() ? "Unknown" : node.op_type);
    for (int in : node.inputs) {
      if (in < 0 || in >= static_cast<int>(graph.values.size()) || source[in].empty()) continue;
      out->add_input(source[in]);
    }
    auto& attr = *out->mutable_attr();
    for (const auto& [name, a] : node.attributes) attr[name] = to_attr_value(a);
    if (!node.domain.empty() && !attr.count("_domain")) attr["_domain"].set_s(node.domain);
    pb::AttrValue::ListValue* shapes = attr["_output_shapes"].mutable_list();
    DType first_dtype = DType::Undefined;
    for (int o : node.outputs) {
      if (o < 0 || o >= static_cast<int>(graph.values.size())) {
        shapes->add_shape()->set_unknown_rank(true);
        continue;
      }
      const Value& value = graph.values[o];
      set_shape(value.shape, shapes->add_shape());
      if (first_dtype == DType::Undefined) first_dtype = value.dtype;
    }
    if (first_dtype != DType::Undefined && !attr.count("T"))
      attr["T"].set_type(to_tf_dtype(first_dtype));
  }
  return def;
}

std::string serialize_graph_def(const Graph& graph) {
  const pb::GraphDef def = make_graph_def(graph);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    def.SerializeToCodedStream(&out);
  }
  return bytes;
}

}  // namespace layerscope::tensorboard
