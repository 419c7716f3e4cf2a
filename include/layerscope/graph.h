#pragma once
// The format-neutral graph IR. Frontends build it; the executor, summaries and renderers read it.
//
//   const layerscope::Model model = layerscope::load_onnx("model.onnx");
//   for (const layerscope::Node& node : model.graph.nodes)
//     std::cout << node.name << " " << node.op_type << "\n";
#include <layerscope/tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace layerscope {

class Graph;

// One dimension of a static shape: a number, a named symbol ("batch"), or unknown.
struct Dim {
  int64_t value = -1;  // >= 0 when known
  std::string symbol;  // set when symbolic
  bool known() const { return value >= 0; }
  std::string to_string() const;  // "224", "batch" or "?"
};
using StaticShape = std::vector<Dim>;
std::string static_shape_string(const std::optional<StaticShape>& shape);  // "[1,3,224,224]"

enum class ValueKind { Input, Initializer, Intermediate, OuterScope };

// Which axis of a rank >= 3 tensor holds the channels, for whatever reads a tensor as images or
// pools it per channel (feature maps, image inputs, embeddings). ONNX image tensors are
// [N, C, H, W], Keras ones [N, H, W, C]. Unknown: the frontend does not say; readers then take
// channels first, ONNX's convention.
enum class Layout { Unknown, ChannelsFirst, ChannelsLast };

struct Value {
  std::string name;
  ValueKind kind = ValueKind::Intermediate;
  DType dtype = DType::Undefined;
  std::optional<StaticShape> shape;  // nullopt when even the rank is unknown
  Tensor data;                       // set for initializers
  bool trainable = true;  // false for weights training leaves alone (BatchNorm statistics, frozen)
  Layout layout = Layout::Unknown;  // of rank >= 3 inputs and intermediates
  int producer = -1;                // index of the producing node; -1 if none
  std::vector<int> consumers;       // indices of nodes reading it, in graph order
};

struct Attribute {
  enum class Kind { Float, Int, String, Tensor, Graph, Floats, Ints, Strings, Tensors, Graphs };
  Kind kind = Kind::Int;
  double f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::shared_ptr<const Graph> g;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<const Graph>> graphs;
};

struct Node {
  std::string name;  // unique within its graph; frontends invent one where the model has none
  std::string op_type;
  std::string domain;  // "" is the default (ONNX) domain
  std::string scope;   // name scope, '/'-separated without leading '/': "layer1/layer1.0/conv1"
  std::vector<int> inputs;   // value indices; -1 for an omitted optional input
  std::vector<int> outputs;  // value indices; -1 for an omitted optional output
  std::map<std::string, Attribute> attributes;
  // Values of this graph read by the node's subgraphs (If/Loop bodies), so that they stay alive
  // until the node ran.
  std::vector<int> captured_inputs;

  const Attribute* find_attribute(const std::string& attr_name) const;
  int64_t attr_int(const std::string& attr_name, int64_t fallback) const;
  double attr_float(const std::string& attr_name, double fallback) const;
  std::string attr_string(const std::string& attr_name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& attr_name,
                                 const std::vector<int64_t>& fallback = {}) const;
  std::vector<double> attr_floats(const std::string& attr_name,
                                  const std::vector<double>& fallback = {}) const;
};

class Graph {
 public:
  std::string name;
  std::vector<Node> nodes;  // topologically sorted
  std::vector<Value> values;
  std::vector<int> inputs;            // values fed by the caller (initializers excluded)
  std::vector<int> outputs;           // values returned to the caller
  std::map<std::string, int> opsets;  // domain -> opset version in force for this graph

  // Builds the name lookups below and each value's producer and consumers. Frontends call it once
  // the nodes and values are in place, and again after any edit.
  void reindex();
  // Index of the value (node) with that name, or -1.
  int find_value(const std::string& value_name) const;
  int find_node(const std::string& node_name) const;
  // Opset version of a node's domain (0 if not imported).
  int opset_of(const Node& node) const;

 private:
  std::map<std::string, int> value_index_;
  std::map<std::string, int> node_index_;
};

struct Model {
  Graph graph;
  std::string path;    // file the model came from
  std::string format;  // "onnx"
  int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;
  std::string doc_string;
};

}  // namespace layerscope
