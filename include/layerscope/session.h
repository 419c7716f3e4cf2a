#pragma once
// Running a model. A Session is built once per model (kernels chosen, attributes parsed, weights
// converted) and run any number of times.
//
//   layerscope::Model model = layerscope::load_onnx("model.onnx");
//   auto session = layerscope::create_session(model, {.threads = 2});
//   std::map<std::string, layerscope::Tensor> outputs = session->run({{"input", image}},
//   &observer);
//
// The kernels live in a separate shared library (liblayerscope_runtime.so, on ATen) that is loaded
// on the first create_session call, so programs that only read or draw models never pay for it.
#include <layerscope/graph.h>
#include <layerscope/observer.h>
#include <layerscope/tensor.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace layerscope {

struct SessionOptions {
  int threads = 0;                   // intra-op threads; 0 keeps the library default
  std::size_t max_tensor_bytes = 0;  // refuse any tensor larger than this; 0 = no limit
};

class Session {
 public:
  virtual ~Session() = default;
  // Runs the model on inputs named as the graph's inputs; returns the graph outputs by name.
  // Throws Error for a missing, unknown or mismatched input, or a failing node (naming it).
  virtual std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs,
                                            Observer* observer = nullptr) = 0;
};

// An op no kernel implements, with every node that uses it.
struct UnsupportedOp {
  std::string domain;
  std::string op_type;
  int opset = 0;
  std::vector<std::string> nodes;
};

// Every unsupported op in the graph and its subgraphs, in order of first use.
std::vector<UnsupportedOp> find_unsupported_ops(const Graph& graph);
// One line naming each unsupported op ("Unsupported ops in model.onnx: Foo (opset 13, node n1),
// ...").
std::string describe_unsupported_ops(const std::vector<UnsupportedOp>& ops,
                                     const std::string& where);

// Builds a session; throws Error listing all unsupported ops if any. `model` must outlive it.
std::unique_ptr<Session> create_session(const Model& model, const SessionOptions& options = {});

// Checks `inputs` against the graph's declared inputs (names, dtypes, ranks, known dimensions);
// throws Error naming the first problem and what was expected.
void check_inputs(const Graph& graph, const std::map<std::string, Tensor>& inputs);

namespace detail {
// What the runtime library provides; reached through load_runtime().
class Runtime {
 public:
  virtual ~Runtime() = default;
  virtual std::vector<UnsupportedOp> find_unsupported_ops(const Graph& graph) = 0;
  virtual std::unique_ptr<Session> create_session(const Model& model,
                                                  const SessionOptions& options) = 0;
};
// Loads liblayerscope_runtime.so (next to liblayerscope.so, or $LAYERSCOPE_RUNTIME) once.
Runtime& load_runtime();
}  // namespace detail

}  // namespace layerscope
