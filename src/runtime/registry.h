#pragma once
// The op registry: (domain, op type, opset range) -> kernel factory, in one table.
//
// Each op family (one file under ops/) registers its ops in one function listed in
// register_all_ops(). Adding an opset version of an op:
//   - if the new version only moves an attribute to an input (Split, Squeeze, Pad, Clip, ...),
//     the kernel reads whichever the node has: widen nothing, the open range already covers it;
//   - if the semantics change, end the old entry's range at new-1 and add an entry from new.
#include "runtime/kernel.h"

#include <limits>
#include <string>
#include <vector>

namespace layerscope::runtime {

constexpr int kLatestOpset = std::numeric_limits<int>::max();

class OpRegistry {
 public:
  // The registry with every family registered; built on first use.
  static const OpRegistry& instance();

  // Registers `factory` for opsets [first, last] of `op` in the default domain.
  void add(const std::string& op, int first, KernelFactory factory, int last = kLatestOpset) {
    add_in_domain("", op, first, last, std::move(factory));
  }
  void add_in_domain(const std::string& domain, const std::string& op, int first, int last,
                     KernelFactory factory);

  // The factory for that op at that opset, or nullptr.
  const KernelFactory* find(const std::string& domain, const std::string& op, int opset) const;

 private:
  struct Entry {
    std::string domain;
    std::string op;
    int first;
    int last;
    KernelFactory factory;
  };
  std::vector<Entry> entries_;
};

// One per file under ops/.
void register_activation_ops(OpRegistry& registry);
void register_elementwise_ops(OpRegistry& registry);
void register_conv_ops(OpRegistry& registry);
void register_matmul_ops(OpRegistry& registry);
void register_pool_ops(OpRegistry& registry);
void register_normalization_ops(OpRegistry& registry);
void register_softmax_ops(OpRegistry& registry);
void register_shape_ops(OpRegistry& registry);
void register_indexing_ops(OpRegistry& registry);
void register_reduction_ops(OpRegistry& registry);
void register_resize_ops(OpRegistry& registry);
void register_recurrent_ops(OpRegistry& registry);
void register_control_flow_ops(OpRegistry& registry);
void register_misc_ops(OpRegistry& registry);
void register_loss_ops(OpRegistry& registry);
void register_quantization_ops(OpRegistry& registry);
void register_signal_ops(OpRegistry& registry);
// Keras layers (domain "keras", opset = Keras major version), one file each under ops/keras/.
void register_keras_core_ops(OpRegistry& registry);
void register_keras_recurrent_ops(OpRegistry& registry);
void register_keras_wrapper_ops(OpRegistry& registry);
void register_keras_merge_ops(OpRegistry& registry);
void register_keras_layer_norm_ops(OpRegistry& registry);
void register_keras_embedding_ops(OpRegistry& registry);
void register_keras_preprocessing_ops(OpRegistry& registry);
void register_keras_attention_ops(OpRegistry& registry);
void register_keras_conv_ops(OpRegistry& registry);
void register_keras_pool_ops(OpRegistry& registry);
void register_keras_spatial_ops(OpRegistry& registry);
void register_keras_normalization_ops(OpRegistry& registry);
// TensorFlow ops (domain "tensorflow", opset 1), one file each under ops/tensorflow/.
void register_tf_basic_ops(OpRegistry& registry);
void register_tf_cast_ops(OpRegistry& registry);
void register_tf_elementwise_ops(OpRegistry& registry);
void register_tf_logic_ops(OpRegistry& registry);
void register_tf_activation_ops(OpRegistry& registry);
void register_tf_matmul_ops(OpRegistry& registry);
void register_tf_reduction_ops(OpRegistry& registry);
void register_tf_random_ops(OpRegistry& registry);
void register_tf_shape_ops(OpRegistry& registry);
void register_tf_fill_ops(OpRegistry& registry);
void register_tf_concat_split_ops(OpRegistry& registry);
void register_tf_slicing_ops(OpRegistry& registry);
void register_tf_gather_ops(OpRegistry& registry);
void register_tf_conv_ops(OpRegistry& registry);
void register_tf_pool_ops(OpRegistry& registry);
void register_tf_normalization_ops(OpRegistry& registry);
void register_tf_padding_ops(OpRegistry& registry);
void register_tf_resize_ops(OpRegistry& registry);
void register_tf_space_batch_ops(OpRegistry& registry);

}  // namespace layerscope::runtime
