#pragma once
// Builds small ONNX models in tests, straight from ONNX's protobuf messages.
#include <onnx/onnx_pb.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace layerscope::test {

class ModelBuilder {
 public:
  explicit ModelBuilder(int opset = 13) {
    model_.set_ir_version(8);
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }
  onnx::ModelProto& model() { return model_; }

  void input(const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
    fill(*graph().add_input(), name, elem_type, dims);
  }
  void output(const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
    fill(*graph().add_output(), name, elem_type, dims);
  }
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }
  onnx::TensorProto& initializer(const std::string& name, const std::vector<int64_t>& dims,
                                 const std::vector<float>& values) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return *t;
  }
  void save(const std::string& path) const {
    std::ofstream file(path, std::ios::binary);
    model_.SerializeToOstream(&file);
  }

 private:
  static void fill(onnx::ValueInfoProto& vi, const std::string& name, int elem_type,
                   const std::vector<int64_t>& dims) {
    vi.set_name(name);
    auto* tensor_type = vi.mutable_type()->mutable_tensor_type();
    tensor_type->set_elem_type(elem_type);
    auto* shape = tensor_type->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d >= 0)
        dim->set_dim_value(d);
      else
        dim->set_dim_param("batch");
    }
  }
  onnx::ModelProto model_;
};

// y = If(cond) then Neg(x) else Abs(x), both branches reading x from the outer graph.
inline ModelBuilder if_model() {
  ModelBuilder b;
  b.input("cond", onnx::TensorProto::BOOL, {});
  b.input("x", onnx::TensorProto::FLOAT, {2});
  b.output("y", onnx::TensorProto::FLOAT, {2});
  auto& node = b.node("If", {"cond"}, {"y"}, "branch");
  for (const std::string branch : {"then_branch", "else_branch"}) {
    auto* a = node.add_attribute();
    a->set_name(branch);
    a->set_type(onnx::AttributeProto::GRAPH);
    auto* g = a->mutable_g();
    g->set_name(branch);
    auto* n = g->add_node();
    n->set_op_type(branch == "then_branch" ? "Neg" : "Abs");
    n->add_input("x");
    n->add_output(branch + "_out");
    auto* out = g->add_output();
    out->set_name(branch + "_out");
    out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  return b;
}

// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The message of the layerscope::Error `f` throws; "" when it throws none.
std::string error_of(const std::function<void()>& f);

}  // namespace layerscope::test
