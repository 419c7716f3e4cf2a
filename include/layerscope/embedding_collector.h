#pragma once
// An observer that keeps one layer's output over many runs as the rows of an embedding: each batch
// item's features (trailing dimensions flattened, or pooled over the axes other than the channel
// axis: the one after the batch axis, or the last for channels-last tensors such as Keras maps)
// become one row, in run order. It knows nothing of the model format or of TensorBoard; hand the
// rows to SummaryWriter::add_embedding.
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

// How an item of shape [C, d1, d2, ...] (e.g. a conv map [C, H, W]) becomes one row: Flatten keeps
// all C * d1 * d2 * ... values in order; Average and Max reduce every axis but C, giving C
// values (global average / max pooling); Auto is Average for rank-4 outputs [N, C, H, W] and
// Flatten otherwise. A value whose Layout is ChannelsLast ([N, d1, d2, ..., C], Keras) has C last.
enum class EmbeddingPool { Flatten, Average, Max, Auto };

// "flatten", "avg", "max" or "auto"; throws Error listing those for any other name.
EmbeddingPool embedding_pool_by_name(const std::string& name);
const char* embedding_pool_name(EmbeddingPool pool);

class EmbeddingCollector : public Observer {
 public:
  // `layer` is a node name (its first output is taken) or a tensor name. Empty: in each run, the
  // last floating output in execution order of shape [N, D] with N the run's batch size, passing
  // over Softmax and LogSoftmax outputs (they only squash the logits before them), i.e. a
  // classifier's logits or features; the first run's choice holds for the later runs.
  explicit EmbeddingCollector(std::string layer = "", EmbeddingPool pool = EmbeddingPool::Flatten);

  // Throws Error when the named layer is not a node or a node's output in `graph` (listing the
  // closest node and tensor names; `model_name`, if given, names the model in the message), its
  // known rank is below 2, or below 3 with Average or Max pooling (nothing to pool).
  void check(const Graph& graph, const std::string& model_name = "") const;

  // Starts a run whose inputs hold `batch_size` items: the layer's output must have that many rows.
  void begin_run(int64_t batch_size);
  bool wants(const Graph& graph, const Node& node) override;
  ObserverAction on_value(const Value& value, const Tensor& tensor,
                          const RunContext& context) override;
  // Appends the run's rows. Returns false, collecting nothing, when no layer is named and the run
  // made no [batch_size, D] output. Throws Error when the named layer was not produced, its
  // first dimension is not the batch size, its dtype is not real, D changed between runs, or
  // Average/Max pooling meets an output of rank 2.
  bool end_run();

  const std::string& tensor_name() const { return tensor_name_; }  // set by the first end_run
  int64_t rows() const { return rows_; }
  int64_t dims() const { return dims_; }
  // The item shape each row came from (before pooling), e.g. [32, 26, 26]; set by end_run.
  const Shape& item_shape() const { return item_shape_; }
  // The axes Average/Max pooled over, e.g. [26, 26]; empty for Flatten. Set by end_run.
  const Shape& pooled_shape() const { return pooled_shape_; }
  // The pooling applied: Auto resolved to Flatten or Average by the first end_run.
  EmbeddingPool pool() const { return pool_; }
  const std::vector<float>& values() const { return values_; }  // rows x dims, row-major

 private:
  std::string layer_;  // as given
  EmbeddingPool pool_;
  std::string tensor_name_;  // the tensor collected, once chosen
  int64_t batch_size_ = 0;
  Tensor candidate_;  // this run's tensor so far
  std::string candidate_name_;
  Layout candidate_layout_ = Layout::Unknown;
  int64_t rows_ = 0, dims_ = 0;
  Shape item_shape_, pooled_shape_;
  std::vector<float> values_;
};

}  // namespace layerscope
