// Opening TensorFlow files: frozen GraphDefs (binary or text) here; SavedModel directories in
// saved_model_loader.cpp.
#include <layerscope/error.h>
#include <layerscope/tensorflow.h>

#include "frontends/tensorflow/graph_builder.h"
#include "frontends/tensorflow/saved_model_loader.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace layerscope {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path + "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Text format (.pbtxt) is printable; a binary GraphDef starts with a field tag byte and holds
// lengths and raw numbers.
bool looks_like_text(const std::string& bytes) {
  const std::size_t n = std::min<std::size_t>(bytes.size(), 4096);
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return n > 0;
}

// Collects the text parser's first complaint instead of letting protobuf log it.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (text.empty())
      text = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) + ": " +
             message;
  }
  std::string text;
};

::tensorflow::GraphDef parse_graph_def(const std::string& bytes, const std::string& path) {
  ::tensorflow::GraphDef def;
  if (looks_like_text(bytes)) {
    google::protobuf::TextFormat::Parser parser;
    FirstError error;
    parser.RecordErrorsTo(&error);
    if (!parser.ParseFromString(bytes, &def))
      throw Error("'" + path + "' is not a valid TensorFlow GraphDef in text format (" +
                  error.text + ")");
  } else {
    google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream coded(&stream);
    coded.SetTotalBytesLimit(INT32_MAX);
    if (!def.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
      throw Error("'" + path +
                  "' is not a valid TensorFlow GraphDef (truncated or corrupt protobuf)");
  }
  if (def.node_size() == 0) throw Error("'" + path + "' is a TensorFlow GraphDef with no nodes");
  return def;
}

}  // namespace

bool looks_like_tensorflow(const std::string& path) {
  // A directory is a SavedModel or nothing layerscope reads: its loader says which is missing.
  if (tensorflow_frontend::is_saved_model_path(path)) return true;
  std::ifstream in(path, std::ios::binary);
  char head[64] = {};
  in.read(head, sizeof head);
  const std::string start(head, static_cast<std::size_t>(in.gcount()));
  // GraphDef's field 1 (node) is length-delimited: tag 0x0a. ONNX's first field, ir_version, is
  // a varint (0x08).
  if (!start.empty() && start[0] == '\x0a') return true;
  return start.rfind("node {", 0) == 0 || start.rfind("node{", 0) == 0;
}

Model load_tensorflow(const std::string& path, const TensorFlowLoadOptions& options) {
  if (tensorflow_frontend::is_saved_model_path(path))
    return tensorflow_frontend::load_saved_model(path, options.signature);
  const ::tensorflow::GraphDef def = parse_graph_def(read_file(path), path);
  tensorflow_frontend::FlatGraph flat;
  flat.graph_def = &def;
  Model model;
  model.graph = tensorflow_frontend::build_graph(flat, "'" + path + "'");
  model.path = path;
  model.format = "tensorflow";
  model.producer_name = "TensorFlow";
  if (def.versions().producer() > 0)
    model.producer_version = "GraphDef version " + std::to_string(def.versions().producer());
  return model;
}

}  // namespace layerscope
