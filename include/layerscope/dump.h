#pragma once
// Writes every observed tensor as .npy into a folder, with index.json listing
// {"name", "file", "node", "op", "dtype", "shape"} per tensor.
//
//   layerscope::DumpObserver dump("out/");
//   session->run(inputs, &dump);
//   dump.write_index();
#include <layerscope/observer.h>
#include <layerscope/stats.h>

#include <set>
#include <string>
#include <vector>

namespace layerscope {

// A tensor name as a file name stem: "layer1/conv:0" -> "layer1_conv_0" (letters, digits, '.',
// '-', '_' kept, leading '.' and '_' dropped, at most 120 bytes; "tensor" if nothing is left),
// then "_2", "_3", ... until it is not in `used`, where it is added.
std::string unique_file_stem(const std::string& tensor_name, std::set<std::string>& used);

class DumpObserver : public Observer {
 public:
  // Creates `folder` if needed; throws Error if it cannot.
  explicit DumpObserver(std::string folder, NodeFilter filter = {});
  bool wants(const Graph& graph, const Node& node) override { return filter_.matches(graph, node); }
  ObserverAction on_value(const Value& value, const Tensor& tensor,
                          const RunContext& context) override;
  // Also dumps a tensor that no node produced (a graph output that is an input, say). `layer`
  // names it for scripts (index.json's "layer"; the node when empty).
  void dump(const std::string& name, const std::string& node, const std::string& op,
            const Tensor& tensor, const std::string& layer = "");
  // Writes folder/index.json; call after the run.
  void write_index() const;

  // "layer1/conv:0" -> "layer1_conv_0": letters, digits, '.', '-', '_' kept; unique per folder.
  std::string file_name_for(const std::string& tensor_name);

 private:
  struct Entry {
    std::string name, file, node, op, layer;
    DType dtype;
    Shape shape;
  };
  std::string folder_;
  NodeFilter filter_;
  std::vector<Entry> entries_;
  std::set<std::string> used_names_;
};

}  // namespace layerscope
