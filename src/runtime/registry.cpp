#include "runtime/registry.h"

namespace layerscope::runtime {

const OpRegistry& OpRegistry::instance() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_activation_ops(r);
    register_elementwise_ops(r);
    register_conv_ops(r);
    register_matmul_ops(r);
    register_pool_ops(r);
    register_normalization_ops(r);
    register_softmax_ops(r);
    register_shape_ops(r);
    register_indexing_ops(r);
    register_reduction_ops(r);
    register_resize_ops(r);
    register_recurrent_ops(r);
    register_control_flow_ops(r);
    register_misc_ops(r);
    register_loss_ops(r);
    register_quantization_ops(r);
    register_signal_ops(r);
    register_keras_core_ops(r);
    register_keras_recurrent_ops(r);
    register_keras_wrapper_ops(r);
    register_keras_merge_ops(r);
    register_keras_layer_norm_ops(r);
    register_keras_embedding_ops(r);
    register_keras_preprocessing_ops(r);
    register_keras_attention_ops(r);
    register_keras_conv_ops(r);
    register_keras_pool_ops(r);
    register_keras_spatial_ops(r);
    register_keras_normalization_ops(r);
    register_tf_basic_ops(r);
    register_tf_cast_ops(r);
    register_tf_elementwise_ops(r);
    register_tf_logic_ops(r);
    register_tf_activation_ops(r);
    register_tf_matmul_ops(r);
    register_tf_reduction_ops(r);
    register_tf_random_ops(r);
    register_tf_shape_ops(r);
    register_tf_fill_ops(r);
    register_tf_concat_split_ops(r);
    register_tf_slicing_ops(r);
    register_tf_gather_ops(r);
    register_tf_conv_ops(r);
    register_tf_pool_ops(r);
    register_tf_normalization_ops(r);
    register_tf_padding_ops(r);
    register_tf_resize_ops(r);
    register_tf_space_batch_ops(r);
    return r;
  }();
  return registry;
}

void OpRegistry::add_in_domain(const std::string& domain, const std::string& op, int first,
                               int last, KernelFactory factory) {
  entries_.push_back(Entry{domain, op, first, last, std::move(factory)});
}

const KernelFactory* OpRegistry::find(const std::string& domain, const std::string& op,
                                      int opset) const {
  // The entry with the latest first opset not above the model's wins.
  const Entry* best = nullptr;
  for (const Entry& e : entries_)
    if (e.op == op && e.domain == domain && e.first <= opset && opset <= e.last &&
        (!best || e.first > best->first))
      best = &e;
  return best ? &best->factory : nullptr;
}

}  // namespace layerscope::runtime
