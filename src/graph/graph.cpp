#include <layerscope/error.h>
#include <layerscope/graph.h>

namespace layerscope {

std::string Dim::to_string() const {
  if (known()) return std::to_string(value);
  return symbol.empty() ? "?" : symbol;
}

std::string static_shape_string(const std::optional<StaticShape>& shape) {
  if (!shape) return "?";
  std::string s = "[";
  for (std::size_t i = 0; i < shape->size(); ++i) {
    if (i) s += ',';
    s += (*shape)[i].to_string();
  }
  return s + "]";
}

const Attribute* Node::find_attribute(const std::string& attr_name) const {
  auto it = attributes.find(attr_name);
  return it == attributes.end() ? nullptr : &it->second;
}

namespace {
const Attribute* attribute_of_kind(const Node& node, const std::string& name, Attribute::Kind kind,
                                   const char* expected) {
  const Attribute* a = node.find_attribute(name);
  if (a && a->kind != kind)
    throw Error("node '" + node.name + "' (" + node.op_type + "): attribute '" + name +
                "' has the wrong type; expected " + expected);
  return a;
}
}  // namespace

int64_t Node::attr_int(const std::string& attr_name, int64_t fallback) const {
  const Attribute* a = attribute_of_kind(*this, attr_name, Attribute::Kind::Int, "an int");
  return a ? a->i : fallback;
}

double Node::attr_float(const std::string& attr_name, double fallback) const {
  const Attribute* a = find_attribute(attr_name);
  if (a && a->kind == Attribute::Kind::Int) return static_cast<double>(a->i);
  a = attribute_of_kind(*this, attr_name, Attribute::Kind::Float, "a float");
  return a ? a->f : fallback;
}

std::string Node::attr_string(const std::string& attr_name, const std::string& fallback) const {
  const Attribute* a = attribute_of_kind(*this, attr_name, Attribute::Kind::String, "a string");
  return a ? a->s : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& attr_name,
                                     const std::vector<int64_t>& fallback) const {
  const Attribute* a = attribute_of_kind(*this, attr_name, Attribute::Kind::Ints, "a list of ints");
  return a ? a->ints : fallback;
}

std::vector<double> Node::attr_floats(const std::string& attr_name,
                                      const std::vector<double>& fallback) const {
  const Attribute* a =
      attribute_of_kind(*this, attr_name, Attribute::Kind::Floats, "a list of floats");
  return a ? a->floats : fallback;
}

void Graph::reindex() {
  value_index_.clear();
  node_index_.clear();
  for (std::size_t i = 0; i < values.size(); ++i) {
    value_index_.emplace(values[i].name, static_cast<int>(i));
    values[i].producer = -1;
    values[i].consumers.clear();
  }
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    node_index_.emplace(node.name, static_cast<int>(n));
    for (int out : node.outputs)
      if (out >= 0) values[out].producer = static_cast<int>(n);
    auto consume = [&](int v) {
      if (v < 0) return;
      auto& consumers = values[v].consumers;
      if (consumers.empty() || consumers.back() != static_cast<int>(n))
        consumers.push_back(static_cast<int>(n));
    };
    for (int in : node.inputs) consume(in);
    for (int in : node.captured_inputs) consume(in);
  }
}

int Graph::find_value(const std::string& value_name) const {
  auto it = value_index_.find(value_name);
  return it == value_index_.end() ? -1 : it->second;
}

int Graph::find_node(const std::string& node_name) const {
  auto it = node_index_.find(node_name);
  return it == node_index_.end() ? -1 : it->second;
}

int Graph::opset_of(const Node& node) const {
  auto it = opsets.find(node.domain);
  return it == opsets.end() ? 0 : it->second;
}

}  // namespace layerscope
