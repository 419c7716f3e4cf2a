// The SavedModel side of the TensorFlow frontend: from the directory to a FlatGraph for
// build_graph().
#include "frontends/tensorflow/saved_model_loader.h"

#include <layerscope/error.h>

#include "frontends/tensorflow/function_inliner.h"
#include "frontends/tensorflow/graph_builder.h"
#include "frontends/tensorflow/tensor_bundle.h"
#include "frontends/tensorflow/variable_binding.h"
#include "proto/tensorflow/saved_model.pb.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace layerscope::tensorflow_frontend {
namespace {

namespace fs = std::filesystem;
namespace tf = ::tensorflow;

constexpr const char* kDefaultSignature = "serving_default";
constexpr const char* kServeTag = "serve";
// Where a TF 2 checkpoint keeps its TrackableObjectGraph (a string scalar).
constexpr const char* kObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";

bool is_saved_model_file(const fs::path& path) {
  return path.filename() == "saved_model.pb" || path.filename() == "saved_model.pbtxt";
}

struct Location {
  std::string dir;   // the SavedModel directory
  std::string file;  // its saved_model.pb or saved_model.pbtxt
};

Location locate(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    const fs::path dir = fs::path(path).parent_path();
    return {dir.empty() ? "." : dir.string(), path};
  }
  for (const char* name : {"saved_model.pb", "saved_model.pbtxt"})
    if (fs::is_regular_file(fs::path(path) / name, ec))
      return {path, (fs::path(path) / name).string()};
  throw Error("'" + path +
              "' is a directory with no saved_model.pb (expected a TensorFlow SavedModel "
              "directory)");
}

// Reports nothing itself: the caller's Error says what failed.
class SilentErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, int, const std::string&) override {}
};

tf::SavedModel parse_saved_model(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open '" + file + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  tf::SavedModel saved;
  if (fs::path(file).extension() == ".pbtxt") {
    google::protobuf::TextFormat::Parser parser;
    SilentErrors errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(bytes, &saved))
      throw Error("'" + file + "' is not a valid SavedModel in text format");
  } else {
    google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(INT_MAX);
    if (!saved.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
      throw Error("'" + file + "' is not a valid SavedModel (truncated or corrupt protobuf)");
  }
  if (saved.meta_graphs_size() == 0)
    throw Error("'" + file + "' is a SavedModel with no meta graph (truncated or corrupt?)");
  return saved;
}

std::string tags_of(const tf::MetaGraphDef& meta) {
  std::string tags;
  for (const std::string& tag : meta.meta_info_def().tags())
    tags += (tags.empty() ? "" : ", ") + tag;
  return "[" + tags + "]";
}

const tf::MetaGraphDef& choose_meta_graph(const tf::SavedModel& saved, const std::string& file) {
  for (const tf::MetaGraphDef& meta : saved.meta_graphs()) {
    const auto& tags = meta.meta_info_def().tags();
    if (std::find(tags.begin(), tags.end(), kServeTag) != tags.end()) return meta;
  }
  if (saved.meta_graphs_size() == 1) return saved.meta_graphs(0);
  std::string all;
  for (const tf::MetaGraphDef& meta : saved.meta_graphs())
    all += (all.empty() ? "" : " ") + tags_of(meta);
  throw Error("'" + file + "' has " + std::to_string(saved.meta_graphs_size()) +
              " meta graphs and none is tagged 'serve' (their tags: " + all + ")");
}

std::string choose_signature(const tf::MetaGraphDef& meta, const std::string& wanted,
                             const std::string& file) {
  const auto& signatures = meta.signature_def();
  std::set<std::string> names;
  for (const auto& [name, signature] : signatures) names.insert(name);
  if (!wanted.empty() && names.count(wanted)) return wanted;
  if (wanted.empty() && names.count(kDefaultSignature)) return kDefaultSignature;
  if (wanted.empty() && names.size() == 1) return *names.begin();
  if (names.empty())
    throw Error("'" + file + "' has no signature in its meta graph " + tags_of(meta) +
                ": nothing says which tensors are its inputs and outputs");
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  throw Error("'" + file + "' has no signature '" + (wanted.empty() ? kDefaultSignature : wanted) +
              "'; its signatures are: " + list + " (choose one with --signature)");
}

// The tensor names of a signature's inputs or outputs, by key.
std::vector<std::string> tensor_names(
    const google::protobuf::Map<std::string, tf::TensorInfo>& infos, const std::string& what,
    const std::string& at) {
  std::map<std::string, std::string> by_key;
  for (const auto& [key, info] : infos) {
    if (info.name().empty())
      throw Error(at + ": " + what + " '" + key +
                  "' is a sparse or composite tensor, which is not supported");
    by_key.emplace(key, info.name());
  }
  std::vector<std::string> names;
  for (const auto& [key, name] : by_key) names.push_back(name);
  return names;
}

std::string node_of(const std::string& tensor) { return tensor.substr(0, tensor.find(':')); }

bool is_variable(const tf::NodeDef& node) {
  return node.op() == "VarHandleOp" || node.op() == "VariableV2" || node.op() == "Variable";
}

std::optional<tf::TrackableObjectGraph> checkpoint_objects(const TensorBundle& bundle) {
  if (!bundle.contains(kObjectGraphKey)) return std::nullopt;
  const std::vector<std::string> value = bundle.read_strings(kObjectGraphKey);
  tf::TrackableObjectGraph objects;
  if (value.size() != 1 || !objects.ParseFromString(value[0]))
    throw Error("checkpoint index '" + bundle.index_path() + "', key '" + kObjectGraphKey +
                "' does not hold a TrackableObjectGraph");
  return objects;
}

// The variable's value, checked against the dtype and shape its node declares.
Tensor variable_value(const tf::NodeDef& node, const TensorBundle& bundle, const std::string& key,
                      const std::string& at) {
  const Tensor value = bundle.read(key);
  const std::string what = at + ": variable '" + node.name() + "' (" + node.op() + ")";
  if (const auto dtype = node.attr().find("dtype"); dtype != node.attr().end()) {
    const DType declared = dtype_from_tf(dtype->second.type());
    if (declared != value.dtype())
      throw Error(what + " is " + dtype_name(declared) + ", but checkpoint key '" + key +
                  "' holds " + dtype_name(value.dtype()));
  }
  if (const auto shape = node.attr().find("shape"); shape != node.attr().end()) {
    const auto& dims = shape->second.shape();
    bool matches = dims.unknown_rank() || dims.dim_size() == value.rank();
    for (int i = 0; matches && !dims.unknown_rank() && i < dims.dim_size(); ++i)
      matches = dims.dim(i).size() < 0 || dims.dim(i).size() == value.shape()[i];
    if (!matches)
      throw Error(what + " has a declared shape that checkpoint key '" + key + "' (" +
                  shape_string(value.shape()) + ") does not match");
  }
  return value;
}

}  // namespace

bool is_saved_model_path(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) || is_saved_model_file(fs::path(path));
}

Model load_saved_model(const std::string& path, const std::string& signature_name) {
  const Location location = locate(path);
  const tf::SavedModel saved = parse_saved_model(location.file);
  const tf::MetaGraphDef& meta = choose_meta_graph(saved, location.file);
  const std::string name = choose_signature(meta, signature_name, location.file);
  const tf::SignatureDef& signature = meta.signature_def().at(name);
  const std::string at = "SavedModel '" + location.dir + "', signature '" + name + "'";
  const std::vector<std::string> inputs = tensor_names(signature.inputs(), "input", at);
  const std::vector<std::string> outputs = tensor_names(signature.outputs(), "output", at);
  if (outputs.empty()) throw Error(at + " has no outputs");
  std::vector<std::string> input_nodes;
  for (const std::string& input : inputs) input_nodes.push_back(node_of(input));

  // The nodes the outputs need, calls inlined, then what the bodies' outputs need.
  const tf::GraphDef needed = prune(meta.graph_def(), outputs, input_nodes, at);
  const tf::GraphDef flat = prune(inline_functions(needed, at), outputs, input_nodes, at);

  std::set<std::string> variables;
  for (const tf::NodeDef& node : flat.node())
    if (is_variable(node)) variables.insert(node.name());
  FlatGraph graph;
  graph.graph_def = &flat;
  graph.inputs = inputs;
  graph.outputs = outputs;
  if (!variables.empty()) {
    const TensorBundle bundle = TensorBundle::open(
        (fs::path(location.dir) / "variables" / "variables").string(), location.dir);
    const std::optional<tf::TrackableObjectGraph> objects = checkpoint_objects(bundle);
    const VariableBinding binding =
        bind_variables(meta, objects ? &*objects : nullptr, variables,
                       [&](const std::string& key) { return bundle.contains(key); });
    for (const tf::NodeDef& node : flat.node()) {
      if (!variables.count(node.name())) continue;
      const auto key = binding.keys.find(node.name());
      if (key == binding.keys.end())
        throw Error(at + ": variable '" + node.name() + "' (" + node.op() +
                    ") has no value in the checkpoint '" + bundle.index_path() +
                    "' (no key for it through the object graph, the restore ops or its name)");
      graph.variables[node.name()] = variable_value(node, bundle, key->second, at);
    }
    graph.trainable = binding.trainable;
  }

  Model model;
  model.graph = build_graph(graph, at);
  model.graph.name = name;
  model.path = path;
  model.format = "tensorflow";
  model.producer_name = "TensorFlow";
  model.producer_version = meta.meta_info_def().tensorflow_version();
  model.doc_string =
      "SavedModel signature '" + name + "' of the meta graph tagged " + tags_of(meta);
  return model;
}

}  // namespace layerscope::tensorflow_frontend
