#pragma once
// What Keras' model.summary() and torchinfo show, from the graph alone (nothing runs):
// per node its output shapes, parameter count and multiply-accumulates.
//
//   layerscope::ModelSummary s = layerscope::summarize(model);
//   std::cout << s.total_parameters << " parameters\n";
#include <layerscope/graph.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerscope {

struct NodeSummary {
  std::string name;
  std::string op;
  std::string scope;
  std::vector<std::string> outputs;                // tensor names
  std::vector<std::optional<StaticShape>> shapes;  // from shape inference
  std::vector<DType> dtypes;
  int64_t parameters = 0;       // elements of the constant weights it reads
  std::optional<int64_t> macs;  // Conv, ConvTranspose, Gemm, MatMul with known shapes
};

struct ModelSummary {
  std::vector<NodeSummary> nodes;
  int64_t total_parameters = 0;      // each weight counted once, however many nodes share it
  int64_t trainable_parameters = 0;  // as Keras splits them (Value::trainable)
  int64_t non_trainable_parameters = 0;
  int64_t parameter_bytes = 0;
  int64_t total_macs = 0;      // over the nodes whose MACs are known; named dims (batch) count as 1
  int nodes_without_macs = 0;  // Conv/Gemm/MatMul nodes whose shapes were not known
};

ModelSummary summarize(const Model& model);

}  // namespace layerscope
