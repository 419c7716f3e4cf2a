#pragma once
// An observer that keeps one layer's output over many runs as the rows of an embedding: each batch
// item's [D] features (trailing dimensions flattened) becomes one row, in run order. It knows
// nothing of the model format or of TensorBoard; hand the rows to SummaryWriter::add_embedding.
//
//   layerscope::EmbeddingCollector embedding;  // the last [N, D] output; or a node/tensor name
//   embedding.check(model.graph);
//   for (const auto& batch : batches) {
//     embedding.begin_run(batch_size);
//     session->run(batch, &embedding);
//     embedding.end_run();
//   }
//   writer.add_embedding(embedding.tensor_name(), embedding.values().data(), embedding.rows(),
//                        embedding.dims());
#include <layerscope/observer.h>

#include <cstdint>
#include <string>
#include <vector>

namespace layerscope {

class EmbeddingCollector : public Observer {
 public:
  // `layer` is a node name (its first output is taken) or a tensor name. Empty: in each run, the
  // last floating output in execution order of shape [N, D] with N the run's batch size, passing
  // over Softmax and LogSoftmax outputs (they only squash the logits before them), i.e. a
  // classifier's logits or features; the first run's choice holds for the later runs.
  explicit EmbeddingCollector(std::string layer = "");

  // Throws Error when the named layer is not a node or a node's output in `graph` (listing the
  // graph's rank-2 outputs), or its known rank is below 2.
  void check(const Graph& graph) const;

  // Starts a run whose inputs hold `batch_size` items: the layer's output must have that many rows.
  void begin_run(int64_t batch_size);
  bool wants(const Graph& graph, const Node& node) override;
  ObserverAction on_value(const Value& value, const Tensor& tensor,
                          const RunContext& context) override;
  // Appends the run's rows. Returns false, collecting nothing, when no layer is named and the run
  // made no [batch_size, D] output. Throws Error when the named layer was not produced, its
  // first dimension is not the batch size, its dtype is not real, or D changed between runs.
  bool end_run();

  const std::string& tensor_name() const { return tensor_name_; }  // set by the first end_run
  int64_t rows() const { return rows_; }
  int64_t dims() const { return dims_; }
  const std::vector<float>& values() const { return values_; }  // rows x dims, row-major

 private:
  std::string layer_;        // as given
  std::string tensor_name_;  // the tensor collected, once chosen
  int64_t batch_size_ = 0;
  Tensor candidate_;  // this run's tensor so far
  std::string candidate_name_;
  int64_t rows_ = 0, dims_ = 0;
  std::vector<float> values_;
};

}  // namespace layerscope
