// The core side of sessions: input checks, and loading the ATen runtime library on first use.
#include <layerscope/error.h>
#include <layerscope/session.h>

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace layerscope {

std::string describe_unsupported_ops(const std::vector<UnsupportedOp>& ops,
                                     const std::string& where) {
  std::string text = std::to_string(ops.size()) + " unsupported op" + (ops.size() == 1 ? "" : "s") +
                     " in " + where + ":";
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const UnsupportedOp& op = ops[i];
    text += (i ? "; " : " ") + (op.domain.empty() ? "" : op.domain + "::") + op.op_type +
            " (opset " + std::to_string(op.opset) + ", " + std::to_string(op.nodes.size()) +
            " node" + (op.nodes.size() == 1 ? "" : "s") + ", first '" + op.nodes.front() + "')";
  }
  return text;
}

namespace {

std::string describe_input(const Value& value) {
  return "'" + value.name + "' " + dtype_name(value.dtype) + " " + static_shape_string(value.shape);
}

std::string list_inputs(const Graph& graph) {
  std::string text;
  for (int v : graph.inputs) text += (text.empty() ? "" : ", ") + describe_input(graph.values[v]);
  return text.empty() ? "none" : text;
}

}  // namespace

void check_inputs(const Graph& graph, const std::map<std::string, Tensor>& inputs) {
  for (const auto& [name, tensor] : inputs) {
    const int v = graph.find_value(name);
    if (v < 0 || graph.values[v].kind != ValueKind::Input)
      throw Error("the model has no input named '" + name + "'; its inputs are " +
                  list_inputs(graph));
  }
  std::map<std::string, int64_t> symbols;  // a symbolic dim must mean one size across inputs
  for (int v : graph.inputs) {
    const Value& value = graph.values[v];
    auto it = inputs.find(value.name);
    if (it == inputs.end())
      throw Error("missing input " + describe_input(value) + "; the model's inputs are " +
                  list_inputs(graph));
    const Tensor& tensor = it->second;
    const std::string got = dtype_name(tensor.dtype()) + " " + shape_string(tensor.shape());
    if (value.dtype != DType::Undefined && tensor.dtype() != value.dtype)
      throw Error("input '" + value.name + "' is " + got + "; expected dtype " +
                  dtype_name(value.dtype) + " " + static_shape_string(value.shape));
    if (!value.shape) continue;
    const StaticShape& expected = *value.shape;
    bool ok = static_cast<std::size_t>(tensor.rank()) == expected.size();
    for (std::size_t d = 0; ok && d < expected.size(); ++d) {
      const int64_t size = tensor.shape()[d];
      if (expected[d].known()) {
        ok = expected[d].value == size;
      } else if (!expected[d].symbol.empty()) {
        auto [sym, inserted] = symbols.emplace(expected[d].symbol, size);
        ok = inserted || sym->second == size;
      }
    }
    if (!ok)
      throw Error("input '" + value.name + "' has shape " + shape_string(tensor.shape()) +
                  "; expected " + static_shape_string(value.shape) +
                  (symbols.empty() ? "" : " (a named dimension takes one size across inputs)"));
  }
}

namespace detail {

Runtime& load_runtime() {
  static Runtime* runtime = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string path;
    if (const char* env = std::getenv("LAYERSCOPE_RUNTIME")) {
      path = env;
    } else {
      // The runtime library sits next to liblayerscope.so.
      Dl_info info{};
      dladdr(reinterpret_cast<void*>(&load_runtime), &info);
      namespace fs = std::filesystem;
      path = (fs::path(info.dli_fname ? info.dli_fname : "").parent_path() /
              "liblayerscope_runtime.so")
                 .string();
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      throw Error("cannot load the layerscope runtime '" + path + "': " + dlerror() +
                  " (set LAYERSCOPE_RUNTIME to its path)");
    using Entry = Runtime* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "layerscope_runtime_instance"));
    if (!entry) throw Error("'" + path + "' is not a layerscope runtime (no entry point)");
    runtime = entry();
  });
  return *runtime;
}

}  // namespace detail

std::vector<UnsupportedOp> find_unsupported_ops(const Graph& graph) {
  return detail::load_runtime().find_unsupported_ops(graph);
}

std::unique_ptr<Session> create_session(const Model& model, const SessionOptions& options) {
  return detail::load_runtime().create_session(model, options);
}

}  // namespace layerscope
