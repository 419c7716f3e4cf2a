#include <layerscope/dump.h>
#include <layerscope/error.h>
#include <layerscope/io.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>

namespace layerscope {

DumpObserver::DumpObserver(std::string folder, NodeFilter filter)
    : folder_(std::move(folder)), filter_(std::move(filter)) {
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec || !std::filesystem::is_directory(folder_))
    throw Error("cannot create dump folder '" + folder_ + "': " + ec.message());
}

std::string unique_file_stem(const std::string& tensor_name, std::set<std::string>& used) {
  std::string base;
  for (char c : tensor_name) {
    const bool keep =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    base += keep ? c : '_';
  }
  const auto start = base.find_first_not_of("._");
  base = start == std::string::npos ? "tensor" : base.substr(start);
  if (base.size() > 120) base.resize(120);
  std::string name = base;
  for (int k = 2; used.count(name); ++k) name = base + "_" + std::to_string(k);
  used.insert(name);
  return name;
}

std::string DumpObserver::file_name_for(const std::string& tensor_name) {
  return unique_file_stem(tensor_name, used_names_) + ".npy";
}

void DumpObserver::dump(const std::string& name, const std::string& node, const std::string& op,
                        const Tensor& tensor, const std::string& layer) {
  const std::string file = file_name_for(name);
  write_npy((std::filesystem::path(folder_) / file).string(), tensor);
  entries_.push_back(
      {name, file, node, op, layer.empty() ? node : layer, tensor.dtype(), tensor.shape()});
}

ObserverAction DumpObserver::on_value(const Value& value, const Tensor& tensor,
                                      const RunContext& context) {
  // The layer as a script names it: the node (Keras layer `outer/inner`, `name@1` for a second
  // call), `:k` for its k-th output after the first.
  std::string layer = context.node.name;
  const auto& outputs = context.node.outputs;
  for (std::size_t k = 1; k < outputs.size(); ++k)
    if (outputs[k] >= 0 && &context.graph.values[outputs[k]] == &value)
      layer += ":" + std::to_string(k);
  dump(value.name, context.node.name, context.node.op_type, tensor, layer);
  return ObserverAction::Continue;
}

void DumpObserver::write_index() const {
  nlohmann::json index = nlohmann::json::array();
  for (const Entry& e : entries_)
    index.push_back({{"name", e.name},
                     {"file", e.file},
                     {"node", e.node},
                     {"op", e.op},
                     {"layer", e.layer},
                     {"dtype", dtype_name(e.dtype)},
                     {"shape", e.shape}});
  const std::string path = (std::filesystem::path(folder_) / "index.json").string();
  std::ofstream file(path);
  file << index.dump(1) << "\n";
  if (!file) throw Error("cannot write '" + path + "'");
}

}  // namespace layerscope
