#include "frontends/onnx/external_data.h"

#include <layerscope/error.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace layerscope::onnx_frontend {
namespace fs = std::filesystem;
namespace {

bool is_inside(const fs::path& path, const fs::path& folder) {
  auto p = path.begin();
  for (auto f = folder.begin(); f != folder.end(); ++f, ++p)
    if (p == path.end() || *p != *f) return false;
  return true;
}

void inline_tensor(onnx::TensorProto& tensor, const fs::path& folder, const std::string& model) {
  if (tensor.data_location() != onnx::TensorProto::EXTERNAL) return;
  const std::string where = "model '" + model + "', tensor '" + tensor.name() + "'";
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& entry : tensor.external_data()) {
    try {
      if (entry.key() == "location") location = entry.value();
      if (entry.key() == "offset") offset = std::stoll(entry.value());
      if (entry.key() == "length") length = std::stoll(entry.value());
    } catch (const std::exception&) {
      throw Error(where + ": external data '" + entry.key() + "' is '" + entry.value() +
                  "'; expected a number");
    }
  }
  if (location.empty()) throw Error(where + ": external data has no 'location'");
  if (offset < 0 || length < -1) throw Error(where + ": negative external data offset or length");
  const fs::path relative(location);
  if (relative.is_absolute())
    throw Error(where + ": external data location '" + location +
                "' is absolute, so outside the model's folder " + folder.string() +
                "; expected a relative path inside it");
  std::error_code ec;
  const fs::path resolved = fs::weakly_canonical(folder / relative, ec);
  if (ec || !is_inside(resolved, folder))
    throw Error(where + ": external data location '" + location +
                "' resolves outside the model's folder " + folder.string());
  std::ifstream file(resolved, std::ios::binary);
  if (!file)
    throw Error(where + ": cannot read external data file '" + resolved.string() +
                "': " + std::strerror(errno));
  file.seekg(0, std::ios::end);
  const int64_t size = static_cast<int64_t>(file.tellg());
  if (length < 0) length = size - offset;
  if (offset + length > size)
    throw Error(where + ": external data wants bytes " + std::to_string(offset) + ".." +
                std::to_string(offset + length) + " of '" + location + "', which has " +
                std::to_string(size));
  std::string bytes(static_cast<std::size_t>(length), '\0');
  file.seekg(offset);
  file.read(bytes.data(), length);
  if (!file) throw Error(where + ": reading external data file '" + location + "' failed");
  tensor.set_raw_data(std::move(bytes));
  tensor.clear_external_data();
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
}

void inline_graph(onnx::GraphProto& graph, const fs::path& folder, const std::string& model) {
  for (auto& init : *graph.mutable_initializer()) inline_tensor(init, folder, model);
  for (auto& node : *graph.mutable_node())
    for (auto& attr : *node.mutable_attribute()) {
      if (attr.has_t()) inline_tensor(*attr.mutable_t(), folder, model);
      for (auto& t : *attr.mutable_tensors()) inline_tensor(t, folder, model);
      if (attr.has_g()) inline_graph(*attr.mutable_g(), folder, model);
      for (auto& g : *attr.mutable_graphs()) inline_graph(g, folder, model);
    }
}

}  // namespace

void inline_external_data(onnx::ModelProto& model, const std::string& model_path) {
  std::error_code ec;
  fs::path folder = fs::canonical(fs::absolute(model_path).parent_path(), ec);
  if (ec) throw Error("cannot resolve the folder of model '" + model_path + "': " + ec.message());
  inline_graph(*model.mutable_graph(), folder, model_path);
}

}  // namespace layerscope::onnx_frontend
