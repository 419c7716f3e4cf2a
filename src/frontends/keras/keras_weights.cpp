#include "frontends/keras/keras_weights.h"

#include "graph/half.h"

#include <layerscope/error.h>

#include <algorithm>
#include <map>
#include <regex>

namespace layerscope::keras {
namespace {

std::vector<std::string> split_path(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = name.find('/', start);
    parts.push_back(name.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// "a|b" -> {"a", "b"}.
std::vector<std::string> split_alternatives(const std::string& paths) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = paths.find('|', start);
    out.push_back(paths.substr(start, end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

// "dense/kernel:0" -> "kernel".
std::string variable_name(const std::string& weight_name) {
  std::string last = split_path(weight_name).back();
  const auto colon = last.rfind(':');
  return colon == std::string::npos ? last : last.substr(0, colon);
}

Tensor to_float32(const Tensor& t, const std::string& where) {
  if (t.dtype() == DType::Float32) return t;
  Tensor out = Tensor::zeros(DType::Float32, t.shape());
  float* dst = out.data<float>();
  const int64_t n = t.numel();
  switch (t.dtype()) {
    case DType::Float64:
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(t.data<double>()[i]);
      break;
    case DType::Float16:
      for (int64_t i = 0; i < n; ++i) dst[i] = detail::half_to_float(t.data<uint16_t>()[i]);
      break;
    case DType::Int64:  // Normalization's count
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(t.data<int64_t>()[i]);
      break;
    case DType::Int32:
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(t.data<int32_t>()[i]);
      break;
    default:
      throw Error(where + ": weights of dtype " + dtype_name(t.dtype()) +
                  " (expected floating point)");
  }
  return out;
}

std::string describe_specs(const std::vector<WeightSpec>& specs) {
  std::string text;
  for (const WeightSpec& s : specs)
    text += (text.empty() ? "" : ", ") + s.name + " " + kshape_string(s.shape);
  return text.empty() ? "none" : text;
}

// Checks the saved tensors against the specs and converts them; `names` are the saved names
// (for messages and to order them by variable name when every spec name is found once).
std::vector<Tensor> match(const std::vector<WeightSpec>& specs, std::vector<std::string> names,
                          std::vector<Tensor> tensors, const std::string& where) {
  if (tensors.size() != specs.size()) {
    std::string found;
    for (const std::string& n : names) found += (found.empty() ? "" : ", ") + n;
    throw Error(where + ": the file holds " + std::to_string(tensors.size()) + " weight" +
                (tensors.size() == 1 ? "" : "s") + " (" + (found.empty() ? "none" : found) +
                ") where the config implies " + std::to_string(specs.size()) + " (" +
                describe_specs(specs) + ")");
  }
  std::vector<std::size_t> order(specs.size());
  bool by_name = !names.empty();
  for (std::size_t i = 0; by_name && i < specs.size(); ++i) {
    int found = -1;
    for (std::size_t j = 0; j < names.size(); ++j)
      if (variable_name(names[j]) == specs[i].name) {
        if (found >= 0) by_name = false;
        found = static_cast<int>(j);
      }
    if (found < 0)
      by_name = false;
    else
      order[i] = static_cast<std::size_t>(found);
  }
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::size_t j = by_name ? order[i] : i;
    const Tensor& t = tensors[j];
    const std::string label = names.empty() ? specs[i].name : names[j];
    KShape saved(t.shape().begin(), t.shape().end());
    if (saved != specs[i].shape)
      throw Error(where + ": weight '" + label + "' in the file is " + kshape_string(saved) +
                  ", the config implies " + specs[i].name + " " + kshape_string(specs[i].shape));
    out.push_back(to_float32(t, where + ": weight '" + label + "'"));
  }
  return out;
}

// A list of (weight name, dataset) read from one group with weight_names, as Keras 2 and the
// legacy format save them.
struct NamedWeights {
  std::vector<std::string> names;
  std::vector<std::string> paths;  // dataset paths relative to `group`
  std::shared_ptr<Hdf5Group> group;
};

class Keras2Store : public WeightStore {
 public:
  // Top level: one group per layer. Nested: one list covering all of a nested model's layers.
  explicit Keras2Store(Hdf5Group model_weights) : model_weights_(std::move(model_weights)) {}
  explicit Keras2Store(NamedWeights flat) : flat_(std::move(flat)) {}

  std::vector<Tensor> weights(const Container& container, std::size_t index,
                              const std::vector<WeightSpec>& specs,
                              const std::string& where) override {
    const std::string& layer = container.layers[index].name;
    NamedWeights named = flat_ ? select(*flat_, layer) : read_group(layer, specs.empty(), where);
    std::vector<Tensor> tensors;
    for (const std::string& path : named.paths) tensors.push_back(named.group->dataset(path));
    return match(specs, named.names, std::move(tensors), where);
  }

  std::unique_ptr<WeightStore> nested(const Container& container, std::size_t index) override {
    const std::string& layer = container.layers[index].name;
    if (flat_) return std::make_unique<Keras2Store>(select(*flat_, layer, /*keep_all=*/true));
    return std::make_unique<Keras2Store>(read_group(layer, false, "nested model '" + layer + "'"));
  }

 private:
  NamedWeights read_group(const std::string& layer, bool may_be_absent, const std::string& where) {
    NamedWeights out;
    out.group = std::make_shared<Hdf5Group>(*model_weights_);
    if (!model_weights_->has_group(layer)) {
      if (may_be_absent) return out;
      throw Error(where + ": the file has no weights for layer '" + layer + "' (no group " +
                  model_weights_->where(layer) + ")");
    }
    out.group = std::make_shared<Hdf5Group>(model_weights_->group(layer));
    out.names = out.group->string_list_attribute("weight_names");
    out.paths = out.names;
    return out;
  }

  // The entries of a nested model's list that belong to `layer`: names with `layer` as a path
  // component before the variable's own name. keep_all: a model nested deeper sees the same
  // flat list (TensorFlow names variables by layer, not by model).
  static NamedWeights select(const NamedWeights& flat, const std::string& layer,
                             bool keep_all = false) {
    if (keep_all) return flat;
    NamedWeights out;
    out.group = flat.group;
    for (std::size_t i = 0; i < flat.names.size(); ++i) {
      const std::vector<std::string> parts = split_path(flat.names[i]);
      for (std::size_t p = 0; p + 1 < parts.size(); ++p)
        if (parts[p] == layer) {
          out.names.push_back(flat.names[i]);
          out.paths.push_back(flat.paths[i]);
          break;
        }
    }
    return out;
  }

  std::optional<Hdf5Group> model_weights_;
  std::optional<NamedWeights> flat_;
};

class Keras3Store : public WeightStore {
 public:
  explicit Keras3Store(Hdf5Group group) : group_(std::move(group)) {}

  std::vector<Tensor> weights(const Container& container, std::size_t index,
                              const std::vector<WeightSpec>& specs,
                              const std::string& where) override {
    const std::string path = "layers/" + group_name(container, index);
    if (!group_.has_group(path)) {
      if (specs.empty()) return {};
      throw Error(where + ": the weights file has no group " + group_.where(path));
    }
    const Hdf5Group layer = group_.group(path);
    std::vector<std::string> names;
    std::vector<Tensor> tensors;
    for (const WeightSpec& spec : specs) {
      // A spec may give alternatives "a|b" where Keras versions saved the same variable apart.
      const std::vector<std::string> paths = split_alternatives(spec.keras3_path);
      auto found = std::find_if(paths.begin(), paths.end(),
                                [&](const std::string& p) { return layer.has_dataset(p); });
      if (found == paths.end())
        throw Error(where + ": the weights file has no " + layer.where(paths.front()) + " for " +
                    spec.name + " " + kshape_string(spec.shape));
      names.push_back(*found);
      tensors.push_back(layer.dataset(*found));
    }
    // More variables saved than the config implies means the config and weights disagree.
    const std::size_t saved = count_vars(layer);
    if (saved != specs.size())
      throw Error(where + ": the weights file holds " + std::to_string(saved) + " variable" +
                  (saved == 1 ? "" : "s") + " under " + layer.where() +
                  " where the config implies " + std::to_string(specs.size()) + " (" +
                  describe_specs(specs) + ")");
    std::vector<Tensor> out;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      KShape shape(tensors[i].shape().begin(), tensors[i].shape().end());
      if (shape != specs[i].shape)
        throw Error(where + ": weight " + layer.where(names[i]) + " is " + kshape_string(shape) +
                    ", the config implies " + specs[i].name + " " + kshape_string(specs[i].shape));
      out.push_back(to_float32(tensors[i], where));
    }
    return out;
  }

  std::unique_ptr<WeightStore> nested(const Container& container, std::size_t index) override {
    const std::string path = "layers/" + group_name(container, index);
    if (!group_.has_group(path))
      throw Error("the weights file has no group " + group_.where(path) + " for nested model '" +
                  container.layers[index].name + "'");
    return std::make_unique<Keras3Store>(group_.group(path));
  }

 private:
  // Keras names each layer of a container by its class, numbering repeats: conv2d, conv2d_1...
  // A Sequential's InputLayer is not among its layers.
  std::string group_name(const Container& container, std::size_t index) {
    if (names_.empty()) {
      std::map<std::string, int> used;
      for (const LayerEntry& layer : container.layers) {
        if (container.class_name == "Sequential" && layer.class_name == "InputLayer") {
          names_.emplace_back();
          continue;
        }
        const std::string base = snake_case(layer.class_name);
        auto [it, first] = used.emplace(base, 0);
        if (!first) ++it->second;
        names_.push_back(first ? base : base + "_" + std::to_string(it->second));
      }
    }
    return names_.at(index);
  }

  // Datasets under vars/ and under any sub-object's vars/ (an RNN's cell/vars).
  static std::size_t count_vars(const Hdf5Group& group) {
    std::size_t n = 0;
    for (const std::string& child : group.children()) {
      if (group.has_dataset(child)) continue;
      const Hdf5Group sub = group.group(child);
      if (child == "vars") {
        for (const std::string& v : sub.children())
          if (sub.has_dataset(v)) ++n;
      } else if (child != "layers") {
        n += count_vars(sub);
      }
    }
    return n;
  }

  Hdf5Group group_;
  std::vector<std::string> names_;
};

class EmptyStore : public WeightStore {
 public:
  explicit EmptyStore(std::string file) : file_(std::move(file)) {}
  std::vector<Tensor> weights(const Container&, std::size_t, const std::vector<WeightSpec>& specs,
                              const std::string& where) override {
    if (!specs.empty())
      throw Error(where + ": " + file_ + " holds no weights, the config implies " +
                  describe_specs(specs));
    return {};
  }
  std::unique_ptr<WeightStore> nested(const Container&, std::size_t) override {
    return std::make_unique<EmptyStore>(file_);
  }

 private:
  std::string file_;
};

}  // namespace

std::string snake_case(const std::string& class_name) {
  static const std::regex non_word("[^A-Za-z0-9_]+");
  static const std::regex word_start("(.)([A-Z][a-z]+)");
  static const std::regex lower_upper("([a-z])([A-Z])");
  std::string name = std::regex_replace(class_name, non_word, "");
  name = std::regex_replace(name, word_start, "$1_$2");
  name = std::regex_replace(name, lower_upper, "$1_$2");
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::unique_ptr<WeightStore> keras2_weight_store(Hdf5Group model_weights) {
  return std::make_unique<Keras2Store>(std::move(model_weights));
}

std::unique_ptr<WeightStore> keras3_weight_store(Hdf5Group root) {
  return std::make_unique<Keras3Store>(std::move(root));
}

std::unique_ptr<WeightStore> empty_weight_store(const std::string& file) {
  return std::make_unique<EmptyStore>(file);
}

}  // namespace layerscope::keras
