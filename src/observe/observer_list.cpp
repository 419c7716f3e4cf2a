#include <layerscope/observer.h>

#include <exception>

namespace layerscope {

bool ObserverList::wants(const Graph& graph, const Node& node) {
  const std::size_t index = static_cast<std::size_t>(&node - graph.nodes.data());
  wanted_.resize(observers_.size());
  bool any = false;
  for (std::size_t o = 0; o < observers_.size(); ++o) {
    auto& wanted = wanted_[o];
    if (wanted.size() < graph.nodes.size()) wanted.resize(graph.nodes.size(), false);
    wanted[index] = observers_[o]->wants(graph, node);
    any = any || wanted[index];
  }
  return any;
}

ObserverAction ObserverList::on_value(const Value& value, const Tensor& tensor,
                                      const RunContext& context) {
  ObserverAction action = ObserverAction::Continue;
  for (std::size_t o = 0; o < observers_.size(); ++o) {
    const auto& wanted = wanted_[o];
    const auto index = static_cast<std::size_t>(context.node_index);
    if (index < wanted.size() && !wanted[index]) continue;
    if (observers_[o]->on_value(value, tensor, context) == ObserverAction::Stop)
      action = ObserverAction::Stop;
  }
  return action;
}

void ObserverList::on_run_end() {
  std::exception_ptr first_error;
  for (Observer* observer : observers_) {
    try {
      observer->on_run_end();
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace layerscope
