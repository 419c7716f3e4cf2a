#include "frontends/tensorflow/graph_builder.h"

#include "frontends/tensorflow/op_outputs.h"

#include <layerscope/error.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <set>
#include <unordered_map>

namespace layerscope::tensorflow_frontend {
namespace {

namespace tf = ::tensorflow;

// A data input of a NodeDef: output `index` of node `node`.
struct TensorRef {
  std::string node;
  int index = 0;
};

// "x" -> (x, 0), "x:2" -> (x, 2). Control inputs ("^x") are not data and never reach here.
TensorRef parse_ref(const std::string& ref, const std::string& where) {
  const std::size_t colon = ref.rfind(':');
  if (colon == std::string::npos) return {ref, 0};
  const std::string digits = ref.substr(colon + 1);
  if (digits.empty() || digits.size() > 6 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw Error(where + ": input '" + ref + "' is not a tensor name (expected 'node' or 'node:k')");
  return {ref.substr(0, colon), std::stoi(digits)};
}

std::string value_name(const std::string& node, int index) {
  return index == 0 ? node : node + ":" + std::to_string(index);
}

bool is_control(const std::string& input) { return !input.empty() && input[0] == '^'; }

std::string scope_of(const std::string& name) {
  const std::size_t slash = name.rfind('/');
  return slash == std::string::npos ? "" : name.substr(0, slash);
}

const tf::AttrValue* find_attr(const tf::NodeDef& node, const std::string& name) {
  const auto it = node.attr().find(name);
  return it == node.attr().end() ? nullptr : &it->second;
}

std::string type_name(int tf_dtype) {
  const int base = tf_dtype > 100 ? tf_dtype - 100 : tf_dtype;
  if (base == tf::DT_RESOURCE) return "resource";
  if (base == tf::DT_VARIANT) return "variant";
  const DType dtype = dtype_from_tf(base);
  return dtype == DType::Undefined ? "dt_" + std::to_string(base) : dtype_name(dtype);
}

std::optional<StaticShape> static_shape(const tf::TensorShapeProto& shape) {
  if (shape.unknown_rank()) return std::nullopt;
  StaticShape out;
  for (const auto& dim : shape.dim()) {
    Dim d;
    if (dim.size() >= 0) d.value = dim.size();
    out.push_back(d);
  }
  return out;
}

std::vector<int64_t> shape_ints(const tf::TensorShapeProto& shape) {
  std::vector<int64_t> out;
  for (const auto& dim : shape.dim()) out.push_back(dim.size() >= 0 ? dim.size() : -1);
  return out;
}

// One TF attribute as an IR attribute (graph_builder.h lists the mapping); nullopt for kinds the
// IR has no use for (a placeholder inside a function, a list of shapes).
std::optional<Attribute> to_attribute(const tf::AttrValue& value, const std::string& where) {
  Attribute a;
  switch (value.value_case()) {
    case tf::AttrValue::kS:
      a.kind = Attribute::Kind::String;
      a.s = value.s();
      return a;
    case tf::AttrValue::kI:
      a.kind = Attribute::Kind::Int;
      a.i = value.i();
      return a;
    case tf::AttrValue::kF:
      a.kind = Attribute::Kind::Float;
      a.f = value.f();
      return a;
    case tf::AttrValue::kB:
      a.kind = Attribute::Kind::Int;
      a.i = value.b() ? 1 : 0;
      return a;
    case tf::AttrValue::kType:
      a.kind = Attribute::Kind::String;
      a.s = type_name(value.type());
      return a;
    case tf::AttrValue::kShape:
      if (value.shape().unknown_rank()) return std::nullopt;
      a.kind = Attribute::Kind::Ints;
      a.ints = shape_ints(value.shape());
      return a;
    case tf::AttrValue::kTensor:
      a.kind = Attribute::Kind::Tensor;
      a.t = tensor_from_proto(value.tensor(), where);
      return a;
    case tf::AttrValue::kFunc:
      a.kind = Attribute::Kind::String;
      a.s = value.func().name();
      return a;
    case tf::AttrValue::kList: {
      const auto& list = value.list();
      if (list.s_size() > 0) {
        a.kind = Attribute::Kind::Strings;
        a.strings.assign(list.s().begin(), list.s().end());
      } else if (list.f_size() > 0) {
        a.kind = Attribute::Kind::Floats;
        a.floats.assign(list.f().begin(), list.f().end());
      } else if (list.b_size() > 0) {
        a.kind = Attribute::Kind::Ints;
        for (bool b : list.b()) a.ints.push_back(b ? 1 : 0);
      } else if (list.type_size() > 0) {
        a.kind = Attribute::Kind::Strings;
        for (int t : list.type()) a.strings.push_back(type_name(t));
      } else if (list.func_size() > 0) {
        a.kind = Attribute::Kind::Strings;
        for (const auto& f : list.func()) a.strings.push_back(f.name());
      } else if (list.shape_size() > 0 || list.tensor_size() > 0) {
        return std::nullopt;
      } else {
        a.kind = Attribute::Kind::Ints;  // an empty list, or a list of ints
        a.ints.assign(list.i().begin(), list.i().end());
      }
      return a;
    }
    default:
      return std::nullopt;
  }
}

// The dtype of a node's outputs when its attributes say it: most ops are typed by `T`.
DType output_dtype(const tf::NodeDef& node, int index) {
  const std::string& op = node.op();
  auto typed = [&](const std::string& attr, int fallback) {
    const tf::AttrValue* a = find_attr(node, attr);
    return dtype_from_tf(a ? a->type() : fallback);
  };
  static const std::set<std::string> comparisons = {
      "Equal",     "NotEqual",   "Greater", "GreaterEqual", "Less",     "LessEqual", "LogicalAnd",
      "LogicalOr", "LogicalNot", "IsNan",   "IsInf",        "IsFinite", "All",       "Any"};
  if (comparisons.count(op)) return DType::Bool;
  if (op == "Cast") return typed("DstT", tf::DT_INVALID);
  if (op == "Shape" || op == "Size" || op == "Rank" || op == "ShapeN")
    return typed("out_type", tf::DT_INT32);
  if (op == "ArgMax" || op == "ArgMin") return typed("output_type", tf::DT_INT64);
  if (op == "Range") return typed("Tidx", tf::DT_INT32);
  if (op == "RandomUniform" || op == "RandomStandardNormal" || op == "TruncatedNormal")
    return typed("dtype", tf::DT_INVALID);
  if (op == "RandomUniformInt" || op == "BatchMatMulV3") return typed("Tout", tf::DT_INVALID);
  if (op == "FusedBatchNorm" || op == "FusedBatchNormV2" || op == "FusedBatchNormV3")
    return index == 0 ? typed("T", tf::DT_INVALID) : typed("U", tf::DT_FLOAT);
  if (op == "IdentityN") {
    const tf::AttrValue* a = find_attr(node, "T");
    return a && index < a->list().type_size() ? dtype_from_tf(a->list().type(index))
                                              : DType::Undefined;
  }
  if (const tf::AttrValue* a = find_attr(node, "T"); a && a->value_case() == tf::AttrValue::kType)
    return dtype_from_tf(a->type());
  if (const tf::AttrValue* a = find_attr(node, "dtype");
      a && a->value_case() == tf::AttrValue::kType)
    return dtype_from_tf(a->type());
  return DType::Undefined;
}

// Output shapes TF recorded for itself (`_output_shapes`, written by many exporters).
std::optional<StaticShape> recorded_shape(const tf::NodeDef& node, int index) {
  const tf::AttrValue* a = find_attr(node, "_output_shapes");
  if (!a || index >= a->list().shape_size()) return std::nullopt;
  return static_shape(a->list().shape(index));
}

bool channels_first(const tf::NodeDef& node) {
  const tf::AttrValue* a = find_attr(node, "data_format");
  return a && (a->s() == "NCHW" || a->s() == "NCDHW" || a->s() == "NCW");
}

// A tensor TF holds as a Const value but the IR cannot (strings, resources): the node stays a
// node, drawn with the rest; it only matters if something runs it.
bool representable(const tf::TensorProto& proto) {
  const DType dtype = dtype_from_tf(proto.dtype());
  return dtype != DType::Undefined && dtype != DType::String;
}

class Builder {
 public:
  Builder(const FlatGraph& flat, const std::string& where)
      : flat_(flat), def_(*flat.graph_def), where_(where) {}

  Graph build() {
    index_nodes();
    const std::vector<int> order = topological_order();
    graph_.opsets["tensorflow"] = 1;
    for (int i : order) add(def_.node(i));
    bind_inputs();
    bind_outputs();
    graph_.reindex();
    return std::move(graph_);
  }

 private:
  std::string at(const tf::NodeDef& node) const {
    return where_ + ": node '" + node.name() + "' (" + node.op() + ")";
  }

  void index_nodes() {
    for (int i = 0; i < def_.node_size(); ++i) {
      const tf::NodeDef& node = def_.node(i);
      if (node.name().empty()) throw Error(where_ + ": node " + std::to_string(i) + " has no name");
      if (!by_name_.emplace(node.name(), i).second)
        throw Error(where_ + ": two nodes are named '" + node.name() + "'");
    }
    for (const tf::NodeDef& node : def_.node()) {
      for (const std::string& input : node.input()) {
        const std::string source = is_control(input) ? input.substr(1) : input;
        const TensorRef ref =
            is_control(input) ? TensorRef{source, 0} : parse_ref(source, at(node));
        const auto it = by_name_.find(ref.node);
        if (it == by_name_.end())
          throw Error(at(node) + " reads '" + input + "', which no node of the graph produces");
        if (!is_control(input)) reads_max_[ref.node] = std::max(reads_max_[ref.node], ref.index);
      }
    }
  }

  int outputs_of(const tf::NodeDef& node) const {
    const auto it = reads_max_.find(node.name());
    const int read = it == reads_max_.end() ? 0 : it->second + 1;
    const int known = output_count(node);
    return known >= 0 ? known : std::max(1, read);
  }

  // Kahn's algorithm over data and control edges, keeping the file's order among ready nodes.
  std::vector<int> topological_order() const {
    const int n = def_.node_size();
    std::vector<int> pending(n, 0);
    std::vector<std::vector<int>> readers(n);
    for (int i = 0; i < n; ++i)
      for (const std::string& input : def_.node(i).input()) {
        const std::string source = is_control(input) ? input.substr(1) : input;
        const int producer = by_name_.at(is_control(input) ? source : parse_ref(source, "").node);
        readers[producer].push_back(i);
        ++pending[i];
      }
    std::set<int> ready;
    for (int i = 0; i < n; ++i)
      if (pending[i] == 0) ready.insert(i);
    std::vector<int> order;
    order.reserve(n);
    while (!ready.empty()) {
      const int i = *ready.begin();
      ready.erase(ready.begin());
      order.push_back(i);
      for (int reader : readers[i])
        if (--pending[reader] == 0) ready.insert(reader);
    }
    if (static_cast<int>(order.size()) != n) {
      for (int i = 0; i < n; ++i)
        if (pending[i] > 0) {
          const tf::NodeDef& node = def_.node(i);
          const bool loop = node.op() == "Merge" || node.op() == "NextIteration" ||
                            node.op() == "Enter" || node.op() == "Exit";
          throw Error(at(node) + " is on a cycle of the graph" +
                      (loop ? std::string(": TF 1 while loops (Enter/Merge/NextIteration) are "
                                          "not supported")
                            : std::string(": a graph must be acyclic")));
        }
    }
    return order;
  }

  int add_named_value(Value value) {
    const int index = static_cast<int>(graph_.values.size());
    value_index_[value.name] = index;
    graph_.values.push_back(std::move(value));
    return index;
  }

  int value_of(const std::string& ref, const tf::NodeDef& reader) {
    const TensorRef r = parse_ref(ref, at(reader));
    const auto it = value_index_.find(value_name(r.node, r.index));
    if (it == value_index_.end())
      throw Error(at(reader) + " reads output " + std::to_string(r.index) + " of '" + r.node +
                  "', which has " + std::to_string(outputs_of(def_.node(by_name_.at(r.node)))) +
                  " outputs");
    return it->second;
  }

  void add(const tf::NodeDef& node) {
    const std::string& op = node.op();
    if (op == "Placeholder") return add_placeholder(node);
    if (op == "Const") {
      const tf::AttrValue* v = find_attr(node, "value");
      if (!v || v->value_case() != tf::AttrValue::kTensor)
        throw Error(at(node) + " has no tensor `value`");
      if (representable(v->tensor()))
        return add_initializer(node, tensor_from_proto(v->tensor(), at(node)), false);
    }
    if (const auto var = flat_.variables.find(node.name()); var != flat_.variables.end()) {
      const auto trainable = flat_.trainable.find(node.name());
      return add_initializer(node, var->second,
                             trainable == flat_.trainable.end() || trainable->second);
    }

    Node ir;
    ir.name = node.name();
    ir.op_type = op;
    ir.domain = "tensorflow";
    ir.scope = scope_of(node.name());
    for (const std::string& input : node.input())
      if (!is_control(input)) ir.inputs.push_back(value_of(input, node));
    for (const auto& [name, value] : node.attr()) {
      if (name.empty() || name[0] == '_') continue;  // TF's own bookkeeping
      if (auto a = to_attribute(value, at(node) + " attribute '" + name + "'"))
        ir.attributes.emplace(name, std::move(*a));
    }
    const int count = outputs_of(node);
    const Layout layout = channels_first(node) ? Layout::ChannelsFirst : Layout::ChannelsLast;
    for (int k = 0; k < count; ++k) {
      Value v;
      v.name = value_name(node.name(), k);
      v.dtype = output_dtype(node, k);
      v.shape = recorded_shape(node, k);
      v.layout = layout;
      v.producer = static_cast<int>(graph_.nodes.size());
      ir.outputs.push_back(add_named_value(std::move(v)));
    }
    graph_.nodes.push_back(std::move(ir));
  }

  void add_placeholder(const tf::NodeDef& node) {
    Value v;
    v.name = node.name();
    v.kind = ValueKind::Input;
    const tf::AttrValue* dtype = find_attr(node, "dtype");
    v.dtype = dtype ? dtype_from_tf(dtype->type()) : DType::Undefined;
    if (const tf::AttrValue* shape = find_attr(node, "shape"))
      v.shape = static_shape(shape->shape());
    else
      v.shape = recorded_shape(node, 0);
    // A free first dimension is the batch, as Keras's None and TF's own `batch_size` mean.
    if (v.shape && !v.shape->empty() && !(*v.shape)[0].known()) (*v.shape)[0].symbol = "batch";
    v.layout = Layout::ChannelsLast;
    add_named_value(std::move(v));
  }

  void add_initializer(const tf::NodeDef& node, const Tensor& data, bool trainable) {
    Value v;
    v.name = node.name();
    v.kind = ValueKind::Initializer;
    v.dtype = data.dtype();
    StaticShape shape;
    for (int64_t d : data.shape()) shape.push_back(Dim{d, ""});
    v.shape = shape;
    v.data = data;
    v.trainable = trainable;
    add_named_value(std::move(v));
  }

  int value_for_tensor_name(const std::string& name, const std::string& what) const {
    const TensorRef r = parse_ref(name, where_ + ": " + what);
    const auto it = value_index_.find(value_name(r.node, r.index));
    if (it == value_index_.end())
      throw Error(where_ + ": " + what + " '" + name + "' is not a tensor of the graph");
    return it->second;
  }

  void bind_inputs() {
    if (flat_.inputs.empty()) {
      for (int i = 0; i < static_cast<int>(graph_.values.size()); ++i)
        if (graph_.values[i].kind == ValueKind::Input) graph_.inputs.push_back(i);
      return;
    }
    std::set<int> wanted;
    for (const std::string& name : flat_.inputs) {
      const int v = value_for_tensor_name(name, "input");
      if (graph_.values[v].kind != ValueKind::Input)
        throw Error(where_ + ": input '" + name + "' is not a Placeholder");
      if (wanted.insert(v).second) graph_.inputs.push_back(v);
    }
  }

  void bind_outputs() {
    if (!flat_.outputs.empty()) {
      for (const std::string& name : flat_.outputs)
        graph_.outputs.push_back(value_for_tensor_name(name, "output"));
      return;
    }
    std::vector<bool> read(graph_.values.size(), false);
    for (const Node& node : graph_.nodes)
      for (int v : node.inputs)
        if (v >= 0) read[v] = true;
    for (const Node& node : graph_.nodes)
      for (int v : node.outputs)
        if (!read[v]) graph_.outputs.push_back(v);
  }

  const FlatGraph& flat_;
  const tf::GraphDef& def_;
  const std::string where_;
  Graph graph_;
  std::unordered_map<std::string, int> by_name_;
  std::unordered_map<std::string, int> reads_max_;  // highest output index read, by node
  std::unordered_map<std::string, int> value_index_;
};

// Values in the typed field of the tensor's dtype, `count` of them wanted: TF repeats the last one
// given (a splat constant stores one) and fills zeros when none is.
template <typename Out, typename Field>
void fill_from_field(const Field& field, Out* out, int64_t count) {
  const int64_t given = field.size();
  for (int64_t i = 0; i < count; ++i)
    out[i] = given == 0 ? Out{} : static_cast<Out>(field.Get(std::min(i, given - 1)));
}

}  // namespace

DType dtype_from_tf(int tf_dtype) {
  switch (tf_dtype > 100 ? tf_dtype - 100 : tf_dtype) {
    case tf::DT_FLOAT:
      return DType::Float32;
    case tf::DT_DOUBLE:
      return DType::Float64;
    case tf::DT_INT32:
      return DType::Int32;
    case tf::DT_UINT8:
      return DType::UInt8;
    case tf::DT_INT16:
      return DType::Int16;
    case tf::DT_INT8:
      return DType::Int8;
    case tf::DT_STRING:
      return DType::String;
    case tf::DT_COMPLEX64:
      return DType::Complex64;
    case tf::DT_INT64:
      return DType::Int64;
    case tf::DT_BOOL:
      return DType::Bool;
    case tf::DT_BFLOAT16:
      return DType::BFloat16;
    case tf::DT_UINT16:
      return DType::UInt16;
    case tf::DT_COMPLEX128:
      return DType::Complex128;
    case tf::DT_HALF:
      return DType::Float16;
    case tf::DT_UINT32:
      return DType::UInt32;
    case tf::DT_UINT64:
      return DType::UInt64;
    default:
      return DType::Undefined;
  }
}

Tensor tensor_from_proto(const tf::TensorProto& proto, const std::string& where) {
  const DType dtype = dtype_from_tf(proto.dtype());
  if (dtype == DType::Undefined || dtype == DType::String)
    throw Error(where + ": a tensor of TF type " + type_name(proto.dtype()) +
                " has no numeric value layerscope can hold");
  if (proto.tensor_shape().unknown_rank())
    throw Error(where + ": a constant tensor of unknown rank");
  Shape shape;
  int64_t count = 1;
  // A splat constant may declare a large shape with one stored value: bound what it expands to.
  constexpr int64_t kMaxBytes = int64_t{1} << 34;
  for (const auto& dim : proto.tensor_shape().dim()) {
    if (dim.size() < 0) throw Error(where + ": a constant tensor with an unknown dimension");
    shape.push_back(dim.size());
    if (dim.size() > 0 && count > kMaxBytes / dim.size())
      throw Error(where + ": a constant tensor of shape " + shape_string(shape) +
                  "... is too large");
    count *= dim.size();
  }
  const int64_t bytes = count * static_cast<int64_t>(dtype_size(dtype));
  if (bytes > kMaxBytes)
    throw Error(where + ": a constant tensor of shape " + shape_string(shape) + " is too large (" +
                std::to_string(bytes) + " bytes)");
  Tensor t = Tensor::zeros(dtype, shape);
  if (!proto.tensor_content().empty()) {
    if (static_cast<int64_t>(proto.tensor_content().size()) != bytes)
      throw Error(where + ": tensor_content holds " +
                  std::to_string(proto.tensor_content().size()) + " bytes, the shape " +
                  shape_string(shape) + " of " + dtype_name(dtype) + " needs " +
                  std::to_string(bytes));
    std::memcpy(t.raw(), proto.tensor_content().data(), bytes);
    return t;
  }
  switch (dtype) {
    case DType::Float32:
      fill_from_field(proto.float_val(), t.data<float>(), count);
      break;
    case DType::Float64:
      fill_from_field(proto.double_val(), t.data<double>(), count);
      break;
    case DType::Int32:
      fill_from_field(proto.int_val(), t.data<int32_t>(), count);
      break;
    case DType::Int16:
      fill_from_field(proto.int_val(), t.data<int16_t>(), count);
      break;
    case DType::Int8:
      fill_from_field(proto.int_val(), t.data<int8_t>(), count);
      break;
    case DType::UInt8:
      fill_from_field(proto.int_val(), t.data<uint8_t>(), count);
      break;
    case DType::UInt16:
      fill_from_field(proto.int_val(), t.data<uint16_t>(), count);
      break;
    case DType::Int64:
      fill_from_field(proto.int64_val(), t.data<int64_t>(), count);
      break;
    case DType::UInt32:
      fill_from_field(proto.uint32_val(), t.data<uint32_t>(), count);
      break;
    case DType::UInt64:
      fill_from_field(proto.uint64_val(), t.data<uint64_t>(), count);
      break;
    case DType::Bool:
      fill_from_field(proto.bool_val(), t.data<bool>(), count);
      break;
    case DType::Float16:
    case DType::BFloat16:  // the 16 bits of each value, one per int32
      fill_from_field(proto.half_val(), t.data<uint16_t>(), count);
      break;
    case DType::Complex64:  // real and imaginary parts interleaved
      fill_from_field(proto.scomplex_val(), t.data<float>(), 2 * count);
      break;
    case DType::Complex128:
      fill_from_field(proto.dcomplex_val(), t.data<double>(), 2 * count);
      break;
    default:
      break;
  }
  return t;
}

Graph build_graph(const FlatGraph& flat, const std::string& where) {
  return Builder(flat, where).build();
}

}  // namespace layerscope::tensorflow_frontend
